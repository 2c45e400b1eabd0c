package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.exception.LockAcquisitionException;
import org.junit.jupiter.api.Test;

/**
 * Which failures of a write are run again: those a concurrent write caused. A deadlock PostgreSQL broke (seen as a 500
 * on a DELETE racing the reconciler, in ClientFlowIT) is one; a constraint the data itself breaks is not.
 */
class WriteConflictTest {

    @Test
    void aBrokenDeadlockOrASerializationFailureIsRunAgainAnInvalidWriteIsNot() {
        assertTrue(ResourceStore.isWriteConflict(new IllegalStateException("wrapped",
                new LockAcquisitionException("deadlock detected", new SQLException("deadlock detected", "40P01")))));
        assertTrue(ResourceStore.isWriteConflict(new LockAcquisitionException("could not serialize",
                new SQLException("could not serialize access", "40001"))));
        assertFalse(ResourceStore.isWriteConflict(new ConstraintViolationException("duplicate key",
                new SQLException("duplicate key value", "23505"), "resource_kind_name_key")));
        assertFalse(ResourceStore.isWriteConflict(new IllegalStateException("no database involved")));
    }
}
