package io.paasoperator.contract;

import java.util.List;

/**
 * What an agent sends once per report interval, and at once when a verdict changes: the latest health verdict of every
 * application it checks on its host ({@code PUT /apis/v1alpha1/hosts/{ip}/report}, with the host's agent secret). One
 * request per host instead of one per application, and the apiserver writes only what a verdict changes.
 * JSON: {@code {"reports":[{"kind":"database","name":"db1","code":"0","msg":"…"}]}}.
 */
public record HostReport(List<Verdict> reports) {

    /** Most verdicts one report may carry: an agent with more applications sends several. */
    public static final int MAX_VERDICTS = 1000;

    /** One application's latest check, as the seed's {@link CheckReport} says it. */
    public record Verdict(ResourceKind kind, String name, String code, String msg) {

        public CheckReport check() {
            return new CheckReport(code, msg);
        }
    }
}
