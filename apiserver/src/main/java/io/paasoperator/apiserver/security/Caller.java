package io.paasoperator.apiserver.security;

/**
 * Who made an API request: the name of the token it presented (never the token) and that token's role. The name is
 * what the history records as the actor of a change.
 */
public record Caller(String name, Role role) {
}
