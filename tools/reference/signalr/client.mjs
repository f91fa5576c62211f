// A real @microsoft/signalr client for the jobs hub, used by the end-to-end tests (tests/Api.Tests/Hubs).
//
//   node client.mjs --url http://127.0.0.1:5000 --job <id> [--after 0] [--stop-after N] [--disconnect-after K]
//                   [--reconnect-on-stdin] [--reconnect-url URL] [--token-in-query]
//                   [--transport websockets|sse|longpolling] [--timeout-ms 60000]
//
// The API key comes from the environment variable FINETUNE_API_KEY (absent: connect without one); it is sent as
// accessTokenFactory's bearer token, or with --token-in-query as access_token in the URL, as a browser must for
// WebSockets. Every line on stdout is one JSON object:
//   {"kind":"connected","connection":1,"connection_id":"..."}
//   {"kind":"subscribed","connection":1,"job_id":"...","after_seq":0}
//   {"kind":"event","connection":1,"job_id":"...","event":{...as the server sent it...}}
//   {"kind":"disconnected","connection":1,"last_seq":10}
//   {"kind":"error","stage":"connect"|"subscribe"|"unsubscribe"|"timeout"|"connection","message":"...","status":401}
// --disconnect-after K closes the connection after K events, then opens a new one and subscribes again with
// afterSeq = the last seq received: after a line on stdin with --reconnect-on-stdin, and to another API instance
// with --reconnect-url. Events the old connection receives after the K-th are dropped, as a client that has stopped
// listening would. --stop-after N calls Unsubscribe and exits 0 after N events in all.
// Exit codes: 0 done, 2 subscribe refused, 3 connect refused, 4 timed out, 1 anything else.
import * as signalR from "@microsoft/signalr";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
    options: {
        url: { type: "string" },
        job: { type: "string" },
        after: { type: "string", default: "0" },
        "stop-after": { type: "string" },
        "disconnect-after": { type: "string" },
        "reconnect-on-stdin": { type: "boolean", default: false },
        "reconnect-url": { type: "string" },
        "token-in-query": { type: "boolean", default: false },
        transport: { type: "string", default: "websockets" },
        "timeout-ms": { type: "string", default: "60000" },
    },
});

const transports = {
    websockets: signalR.HttpTransportType.WebSockets,
    sse: signalR.HttpTransportType.ServerSentEvents,
    longpolling: signalR.HttpTransportType.LongPolling,
};

const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

function fail(stage, error, code) {
    const line = { kind: "error", stage, message: String(error?.message ?? error) };
    // A refused negotiate arrives wrapped in FailedToNegotiateWithServerError, which keeps the status only in its text.
    const status = error?.statusCode ?? Number(/Status code '(\d+)'/.exec(line.message)?.[1]);
    if (Number.isInteger(status)) {
        line.status = status;
    }
    print(line);
    process.stderr.write(`signalr client: ${stage} failed: ${line.message}\n`);
    process.exit(code);
}

if (!args.url || !args.job || !(args.transport in transports)) {
    fail("usage", "need --url, --job and a --transport of websockets, sse or longpolling", 1);
}

const key = process.env.FINETUNE_API_KEY ?? "";
const stopAfter = args["stop-after"] === undefined ? Infinity : Number(args["stop-after"]);
const disconnectAfter = args["disconnect-after"] === undefined ? Infinity : Number(args["disconnect-after"]);
const stderrLogger = {
    log(level, message) {
        if (level >= signalR.LogLevel.Warning) {
            process.stderr.write(`signalr: ${message}\n`);
        }
    },
};

let received = 0;
let lastSeq = Number(args.after);
let connectionNumber = 0;
setTimeout(() => fail("timeout", `gave up after ${args["timeout-ms"]} ms with ${received} events`, 4), Number(args["timeout-ms"])).unref();

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

// Resolves when this connection should end: after K (first connection) or N (in all) events.
async function runConnection(afterSeq, limit) {
    connectionNumber += 1;
    const number = connectionNumber;
    let url = `${number > 1 && args["reconnect-url"] ? args["reconnect-url"] : args.url}/hubs/jobs`;
    const options = { transport: transports[args.transport], logger: stderrLogger };
    if (args["token-in-query"]) {
        url += `?access_token=${encodeURIComponent(key)}`;
    } else if (key) {
        options.accessTokenFactory = () => key;
    }
    const connection = new signalR.HubConnectionBuilder().withUrl(url, options).configureLogging(stderrLogger).build();

    let accepting = true;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    let count = 0;
    connection.on("event", (jobId, event) => {
        if (!accepting) {
            return;
        }
        print({ kind: "event", connection: number, job_id: jobId, event });
        received += 1;
        count += 1;
        lastSeq = event.seq;
        if (count >= limit || received >= stopAfter) {
            accepting = false;
            done();
        }
    });
    connection.onclose((error) => {
        if (accepting) {
            fail("connection", error ?? "closed by the server", 1);
        }
    });

    try {
        await connection.start();
    } catch (error) {
        fail("connect", error, 3);
    }
    print({ kind: "connected", connection: number, connection_id: connection.connectionId });
    try {
        await connection.invoke("Subscribe", args.job, afterSeq);
    } catch (error) {
        fail("subscribe", error, 2);
    }
    print({ kind: "subscribed", connection: number, job_id: args.job, after_seq: afterSeq });
    if (limit > 0) {
        await finished;
    }
    accepting = false;
    if (received >= stopAfter) {
        // Done: leave politely. A --disconnect-after drop just closes, and the server must clean up by itself.
        try {
            await connection.invoke("Unsubscribe", args.job);
        } catch (error) {
            fail("unsubscribe", error, 1);
        }
    }
    await connection.stop();
    print({ kind: "disconnected", connection: number, last_seq: lastSeq });
}

await runConnection(lastSeq, Math.min(disconnectAfter, stopAfter));
while (received < stopAfter) {
    if (args["reconnect-on-stdin"]) {
        await stdinLines.next();
    }
    await runConnection(lastSeq, stopAfter - received);
}
process.exit(0);
