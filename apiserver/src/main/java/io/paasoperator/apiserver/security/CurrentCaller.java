package io.paasoperator.apiserver.security;

import jakarta.enterprise.context.RequestScoped;

/** The caller of the API request being served, as {@link ApiAuthentication} found it; none on the agents' routes. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    /** The name of the token the request presented: the actor that history records. */
    public String name() {
        if (caller == null) {
            throw new IllegalStateException("no API caller on this request");
        }
        return caller.name();
    }

    void set(Caller authenticated) {
        caller = authenticated;
    }
}
