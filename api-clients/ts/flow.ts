// The API driven through the generated typescript-fetch client only: create -> status -> PUT stopped -> list -> events
// -> delete -> a 404 with a problem body, and a 401 without the token. ClientFlowIT compiles this with tsc and runs it
// with node; PAAS_API_BASE_URL, PAAS_API_TOKEN, PAAS_API_TOKEN_NAME (the token's name, the actor of the changes) and
// FLOW_NAME come from the environment. Exit code 0 only if every step held; each step prints one line.
import {
    Configuration,
    ExpectedState,
    MiddlewareApi,
    ProblemFromJSON,
    ResponseError,
} from "../target/generated-ts";

function required(name: string): string {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set`);
    }
    return value;
}

function check(condition: boolean, what: string): asserts condition {
    if (!condition) {
        throw new Error(`check failed: ${what}`);
    }
}

/** The error a call ends with: the generated client's ResponseError for any answer outside 2xx. */
async function failure(call: Promise<unknown>): Promise<ResponseError> {
    try {
        await call;
    } catch (e) {
        if (e instanceof ResponseError) {
            return e;
        }
        throw e;
    }
    throw new Error("the call succeeded; an error was expected");
}

async function main(): Promise<void> {
    const basePath = required("PAAS_API_BASE_URL");
    const name = required("FLOW_NAME");
    const actor = required("PAAS_API_TOKEN_NAME");
    const api = new MiddlewareApi(new Configuration({ basePath, accessToken: required("PAAS_API_TOKEN") }));

    const created = await api.createMiddleware({
        resourceSpec: {
            name,
            type: "middleware",
            // Loopback, no agent there; ssh_port 1: nothing listens, so an install attempt fails at once.
            host: [{ ip: "127.0.0.78", sshPort: 1, auth: [{ username: "paas", password: `pw-${name}` }] }],
            app: {
                repoUrl: "http://127.0.0.1:1/repo/",
                install: "install.sh",
                start: "start.sh",
                stop: "stop.sh",
                check: "check.sh",
                uninstall: "uninstall.sh",
                metadata: { PORT: "6379" },
            },
        },
    });
    check(created.name === name, `create answers the resource: ${created.name}`);
    check(created.host.length === 1 && created.host[0].ip === "127.0.0.78", "create answers the host");
    console.log(`create: ${created.name}`);

    const status = await api.getMiddlewareStatus({ name });
    check(status.status.expect === ExpectedState.NotInstalled, `a new resource expects not-installed: ${status.status.expect}`);
    console.log(`status: expect=${status.status.expect} realtime=${status.status.realtime}`);

    const stopped = await api.setMiddlewareExpect({ name, target: ExpectedState.Stopped });
    check(stopped.status.expect === ExpectedState.Stopped, `PUT stopped answers expect stopped: ${stopped.status.expect}`);
    console.log(`stopped: expect=${stopped.status.expect}`);

    const page = await api.listMiddlewares({ limit: 500 });
    check(page.items.some((item) => item.name === name), "the list holds the resource");
    console.log(`list: ${page.items.length} item(s)`);

    const events = await api.listMiddlewareEvents({ name });
    check(events.length > 0, "the resource has a history");
    check(events.every((event) => event.at instanceof Date && !isNaN(event.at.getTime())), "every event has a time");
    for (const type of ["created", "expect"]) {
        check(events.some((event) => event.type === type && event.actor === actor), `a ${type} event names ${actor} as its actor`);
    }
    console.log(`events: ${events.map((event) => `${event.type} by ${event.actor ?? "-"}`).join(", ")}`);

    const deleted = await api.deleteMiddleware({ name });
    check(deleted.name === name, `delete answers the name: ${deleted.name}`);
    console.log(`delete: ${deleted.message}`);

    const gone = await failure(api.getMiddleware({ name }));
    check(gone.response.status === 404, `a deleted resource is 404: ${gone.response.status}`);
    const contentType = gone.response.headers.get("content-type") ?? "";
    check(contentType.startsWith("application/problem+json"), `the 404 is a problem: ${contentType}`);
    const problem = ProblemFromJSON(await gone.response.json());
    check(problem.status === 404 && problem.title.length > 0 && problem.detail.length > 0, "the problem says what is missing");
    console.log(`get after delete: ${problem.status} ${problem.title}`);

    const anonymous = new MiddlewareApi(new Configuration({ basePath }));
    const refused = await failure(anonymous.listMiddlewares({}));
    check(refused.response.status === 401, `no token is 401: ${refused.response.status}`);
    const unauthorized = ProblemFromJSON(await refused.response.json());
    check(unauthorized.status === 401, "the 401 is a problem");
    console.log(`without the token: ${unauthorized.status} ${unauthorized.title}`);
}

main().then(
    () => console.log("typescript flow: ok"),
    async (e: unknown) => {
        // An unexpected answer: its status and problem document say more than the stack.
        const answer = e instanceof ResponseError ? ` (${e.response.status} ${await e.response.text()})` : "";
        console.error(`typescript flow failed${answer}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        process.exitCode = 1;
    },
);
