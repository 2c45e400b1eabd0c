package io.paasoperator.contract;

/**
 * A health report as the seed defines it: {@code {"code":"0","msg":"…"}}. Code "0" means healthy,
 * anything else does not. A numeric 0 is read as "0" too, since scripts often print it unquoted.
 */
public record CheckReport(String code, String msg) {

    public static final String HEALTHY_CODE = "0";

    public boolean healthy() {
        return HEALTHY_CODE.equals(code);
    }
}
