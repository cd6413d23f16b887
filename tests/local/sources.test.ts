import { generateKeyPair, SignJWT } from "jose";
import {
  callFunction,
  deliver,
  deliveryOf,
  NotDelivered,
  startLocalStack,
  type LocalStack,
} from "../../local";
import { FIXTURE_STACK, FIXTURE_TARGET, fixtureSource, runs } from "../fixtures";

/**
 * The local stack emulates each caller that is not a function: what it sends, signed for its own account, through
 * the same front ends as every call. A declared source's delivery is admitted, the same delivery into a function it
 * does not call is 403, an unsigned or foreign-signed one 401, and a `--break` source delivers nothing.
 */
const CONFIG = {
  ...FIXTURE_TARGET,
  "callgraph:generation": 2,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": {
    sink: runs("sink"),
    other: runs("sink"),
    alpha: { calls: ["beta"], source: fixtureSource("alpha") },
    beta: { source: fixtureSource("beta") },
  },
  "callgraph:callers": {
    nightly: {
      scheduler: { schedule: "0 3 * * *", path: "/nightly", body: '{"run":"nightly"}' },
      calls: ["sink"],
    },
    orders: { pubsub: { topic: "orders" }, calls: ["sink"] },
    raw: { pubsub: { topic: "orders", noWrapper: true }, calls: ["sink"] },
    retries: { tasks: { enqueuers: ["alpha"] }, calls: ["sink"] },
    uploads: {
      eventarc: { eventType: "google.cloud.storage.object.v1.finalized", filters: { bucket: "uploads" } },
      calls: ["sink"],
    },
  },
};
const email = (name: string) => `src-${name}@${FIXTURE_TARGET["gcp:project"]}.iam.gserviceaccount.com`;

describe("the local stack's callers that are not functions", () => {
  let stack: LocalStack;
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      config: CONFIG,
      stack: FIXTURE_STACK,
      broken: ["raw"],
      log: (line) => void lines.push(line),
    });
  }, 120_000);
  afterAll(() => stack?.stop());

  test("a Scheduler job's run arrives with Scheduler's headers, its method, path and body, as the job's account", async () => {
    const answer = await deliver(stack.description, "nightly");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      function: "sink",
      caller: email("nightly"),
      source: { name: "nightly", kind: "scheduler" },
      method: "POST",
      path: "/nightly",
      headers: {
        "user-agent": "Google-Cloud-Scheduler",
        "x-cloudscheduler": "true",
        "x-cloudscheduler-jobname": "nightly",
        "x-cloudscheduler-scheduletime": expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
  });

  test("a push delivery arrives in Pub/Sub's envelope, its data and attributes decoded by pushMessage", async () => {
    const answer = await deliver(stack.description, "orders", {
      data: "order 42",
      attributes: { kind: "new" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      source: { name: "orders", kind: "pubsub" },
      message: { data: "order 42", attributes: { kind: "new" } },
    });
    expect(JSON.parse(answer.delivery.body!)).toMatchObject({
      message: {
        data: Buffer.from("order 42").toString("base64"),
        messageId: expect.any(String),
        publishTime: expect.any(String),
      },
      subscription: `projects/${FIXTURE_TARGET["gcp:project"]}/subscriptions/orders`,
    });
  });

  test("a task dispatch carries Cloud Tasks' headers; an Eventarc delivery is a binary-mode CloudEvent", async () => {
    const task = await deliver(stack.description, "retries", { data: '{"attempt":1}' });
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({
      source: { name: "retries", kind: "tasks" },
      headers: {
        "x-cloudtasks-queuename": "retries",
        "x-cloudtasks-taskretrycount": "0",
        "user-agent": "Google-Cloud-Tasks",
      },
    });
    const event = await deliver(stack.description, "uploads", { data: '{"name":"a.txt"}' });
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({
      source: { name: "uploads", kind: "eventarc" },
      headers: {
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.storage.object.v1.finalized",
        "ce-source": "//storage.googleapis.com/projects/_/buckets/uploads",
        "ce-bucket": "uploads",
      },
      body: { name: "a.txt" },
    });
  });

  test("the same delivery into a function the source does not call is refused by that function's front end: 403", async () => {
    for (const name of ["nightly", "orders", "retries", "uploads"]) {
      const answer = await deliver(stack.description, name, { to: "other" });
      expect({ name, status: answer.status }).toEqual({ name, status: 403 });
    }
  });

  test("an unsigned delivery, and one signed with a key that is not Google's, are refused: 401", async () => {
    const source = stack.evaluation.graph.sources.find((x) => x.name === "orders")!;
    const delivery = deliveryOf(source, { project: "p", region: "r", data: "x" })!;
    const request = {
      method: delivery.method,
      path: delivery.path,
      headers: delivery.headers,
      rawBody: delivery.body,
    };
    const url = stack.functions.sink.url;
    expect((await callFunction(url, request)).status).toBe(401);
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ email: email("orders"), email_verified: true })
      .setProtectedHeader({ alg: "RS256", kid: "not-google" })
      .setIssuer("https://accounts.google.com")
      .setAudience(url)
      .setSubject("1")
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    expect((await callFunction(url, request, forged, "authorization")).status).toBe(401);
  });

  test("--break: a source whose agent may not mint its tokens delivers nothing, and the log says why", async () => {
    await expect(deliver(stack.description, "raw", { data: "x" })).rejects.toThrow(NotDelivered);
    await expect(deliver(stack.description, "raw", { data: "x" })).rejects.toThrow(
      /raw is broken \(--break\): Pub\/Sub's service agent may not mint tokens for it \(roles\/iam\.serviceAccountTokenCreator missing on the push account\)/,
    );
    expect(
      lines.some((l) => l.startsWith(`no token for serviceAccount:${email("raw")}: raw is broken (--break)`)),
    ).toBe(true);
    expect(stack.description.sources?.raw.broken).toMatch(/^raw is broken/);
  });

  test("--break names an unknown caller: refused before anything starts, naming the callers", async () => {
    await expect(startLocalStack({ config: CONFIG, stack: FIXTURE_STACK, broken: ["nope"] })).rejects.toThrow(
      'local --break: the stack has no caller "nope" that is not a function (callers: nightly, orders, raw, retries, uploads). Pass one of them',
    );
  });
});
