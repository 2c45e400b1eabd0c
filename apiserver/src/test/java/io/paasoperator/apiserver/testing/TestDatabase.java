package io.paasoperator.apiserver.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/** A JDBC connection of its own to the test apiserver's database: for tests that read or write its tables directly. */
public final class TestDatabase {

    private TestDatabase() {
    }

    public static Connection connect() throws SQLException {
        return connect(new Properties());
    }

    /** With pgjdbc's {@code settings} besides the datasource's user and password. */
    public static Connection connect(Properties settings) throws SQLException {
        Config config = ConfigProvider.getConfig();
        Properties all = new Properties();
        all.putAll(settings);
        all.setProperty("user", config.getValue("quarkus.datasource.username", String.class));
        all.setProperty("password", config.getValue("quarkus.datasource.password", String.class));
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class), all);
    }
}
