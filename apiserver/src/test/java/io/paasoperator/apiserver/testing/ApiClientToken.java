package io.paasoperator.apiserver.testing;

import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;
import io.restassured.config.RestAssuredConfig;

/** The test profile's API token (%test.paas.api-tokens), sent by every REST-assured request of a test class. */
public final class ApiClientToken {

    public static final String TOKEN = "test-token-current";

    private ApiClientToken() {
    }

    /** Every request carries the token; a request that sets its own Authorization (an agent's report) replaces it. */
    public static void sendWithEveryRequest() {
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", "Bearer " + TOKEN).build();
        RestAssured.config = RestAssuredConfig.config()
                .headerConfig(HeaderConfig.headerConfig().overwriteHeadersWithName("Authorization"));
    }
}
