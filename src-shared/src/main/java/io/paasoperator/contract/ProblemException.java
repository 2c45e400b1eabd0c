package io.paasoperator.contract;

import java.util.List;
import java.util.stream.Collectors;

/** A request the API refuses, with the status and message the client gets. Carries no stack trace: it is not a bug. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final List<Problem.FieldError> errors;

    public ProblemException(int status, String title, String detail, List<Problem.FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "Bad Request", detail, List.of());
    }

    public static ProblemException invalid(List<Problem.FieldError> errors) {
        String detail = errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
        return new ProblemException(400, "Invalid request", detail, errors);
    }

    public static ProblemException invalidField(String field, String message) {
        return invalid(List.of(new Problem.FieldError(field, message)));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "Not Found", detail, List.of());
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "Unauthorized", detail, List.of());
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "Forbidden", detail, List.of());
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "Conflict", detail, List.of());
    }

    public static ProblemException tooLarge(long limitBytes) {
        return new ProblemException(413, "Content Too Large",
                "the request body is larger than the " + limitBytes + " bytes this API accepts", List.of());
    }

    /** The server cannot do it now (its database is out of reach): a client may try again shortly. */
    public static ProblemException unavailable(String detail) {
        return new ProblemException(503, "Service Unavailable", detail, List.of());
    }

    /** Something the server relies on (a host's agent) did not answer as it should: detail says what to do. */
    public static ProblemException badGateway(String detail) {
        return new ProblemException(502, "Bad Gateway", detail, List.of());
    }

    public Problem toProblem() {
        return new Problem(title, status, getMessage(), errors);
    }

    public int status() {
        return status;
    }
}
