package io.paasoperator.apiserver.api;

import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters a call takes. One it does not take, one given twice and one given empty are each named with the
 * call's other bad parameters in one 400: ignored, a misspelt parameter would change what the call does unseen (a
 * misspelt filter lists everything; a misspelt {@code uninstall=true} deletes without uninstalling).
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /** Adds to {@code errors} each of the {@code given} parameters (name to its values) that is not one of {@code taken}. */
    static void check(Map<String, List<String>> given, Set<String> taken, List<Problem.FieldError> errors) {
        given.forEach((name, values) -> {
            if (!taken.contains(name)) {
                errors.add(new Problem.FieldError(name, "is not a parameter of this call, which takes "
                        + String.join(", ", new TreeSet<>(taken))));
            } else if (values.size() > 1) {
                errors.add(new Problem.FieldError(name, "is given " + values.size() + " times: give it once"));
            } else if (values.isEmpty() || values.get(0).isEmpty()) {
                errors.add(new Problem.FieldError(name, "is empty: give a value or leave it out"));
            }
        });
    }

    /** A call's bad parameters, every one of them named in one 400; each once, by the first thing found wrong with it. */
    static void refuseIfAny(List<Problem.FieldError> errors) {
        if (!errors.isEmpty()) {
            Set<String> named = new HashSet<>();
            throw ProblemException.invalid(errors.stream().filter(error -> named.add(error.field())).toList());
        }
    }
}
