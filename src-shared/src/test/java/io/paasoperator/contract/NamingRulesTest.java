package io.paasoperator.contract;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamingRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"mysql-5.7-192.168.19.100", "a", "nginx_1.16", "A9"})
    void acceptsResourceNames(String name) {
        assertTrue(NamingRules.isResourceName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", "a-", ".a", "a b", "a/b", "create", "status", "ü"})
    void refusesResourceNames(String name) {
        assertFalse(NamingRules.isResourceName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"install.sh", "mysql-5.7.tar.gz", "check", "g++.sh"})
    void acceptsPlainFileNames(String name) {
        assertTrue(NamingRules.isPlainFileName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../x.sh", "a/b.sh", "/bin/sh", "x;rm", "a b", "$(id)", "x\n"})
    void refusesPathsAndShellWords(String name) {
        assertFalse(NamingRules.isPlainFileName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"APP_USER", "_x", "a1"})
    void acceptsEnvironmentNames(String name) {
        assertTrue(NamingRules.isEnvironmentName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1A", "A-B", "A B", "A=B", "LD_PRELOAD\u0000"})
    void refusesEnvironmentNames(String name) {
        assertFalse(NamingRules.isEnvironmentName(name));
    }

    @org.junit.jupiter.api.Test
    void overlongNamesAreRefused() {
        assertTrue(NamingRules.isResourceName("a".repeat(NamingRules.MAX_RESOURCE_NAME)));
        assertFalse(NamingRules.isResourceName("a".repeat(NamingRules.MAX_RESOURCE_NAME + 1)));
    }
}
