package io.paasoperator.apiserver.testing;

import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;

/** The test profile's API token (%test.paas.api-tokens), sent by every REST-assured request of a test class. */
public final class ApiClientToken {

    public static final String TOKEN = "test-token-current";

    private ApiClientToken() {
    }

    public static void sendWithEveryRequest() {
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", "Bearer " + TOKEN).build();
    }
}
