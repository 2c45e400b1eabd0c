package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {

    @TempDir
    Path dataDir;

    private ApiTokens tokens(String... entries) {
        return new ApiTokens(Optional.of(List.of(entries)), dataDir);
    }

    @Test
    void namedTokensCarryTheirRoleAndBareOnesAreAdminsNamedByPosition() {
        ApiTokens tokens = tokens("ci:viewer:ci-token-0123456789", "bare-token", "ops:operator:ops-token-0123456789");
        assertEquals(Optional.of(new Caller("ci", Role.VIEWER)), tokens.caller("ci-token-0123456789"));
        assertEquals(Optional.of(new Caller("token-2", Role.ADMIN)), tokens.caller("bare-token"));
        assertEquals(Optional.of(new Caller("ops", Role.OPERATOR)), tokens.caller("ops-token-0123456789"));
        assertEquals(Optional.empty(), tokens.caller("ci:viewer:ci-token-0123456789"), "the entry is not the token");
        assertEquals(Optional.empty(), tokens.caller("ops-token-012345678"));
    }

    @Test
    void aBadEntryIsRefusedByPositionWithoutEchoingItsToken() {
        for (String bad : List.of("ci:root:secret-token-0123456789", "c i:viewer:secret-token-0123456789", "ci:viewer:short-secret",
                "ci:secret-token-0123456789")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> tokens("ok-token", bad));
            assertTrue(refused.getMessage().contains("entry 2"), refused.getMessage());
            assertFalse(refused.getMessage().contains("secret"), refused.getMessage());
        }
    }

    @Test
    void rolesCoverTheRolesBelowThem() {
        assertTrue(Role.ADMIN.allows(Role.OPERATOR) && Role.ADMIN.allows(Role.VIEWER) && Role.OPERATOR.allows(Role.VIEWER));
        assertFalse(Role.VIEWER.allows(Role.OPERATOR) || Role.OPERATOR.allows(Role.ADMIN));
    }
}
