import { HttpError, pushMessage } from "../../functions/shared";

const envelope = (message: unknown, extra: Record<string, unknown> = {}) => ({
  message,
  subscription: "projects/p/subscriptions/s",
  ...extra,
});

describe("pushMessage", () => {
  test("decodes Pub/Sub's wrapped push envelope", () => {
    expect(
      pushMessage(
        envelope({
          data: Buffer.from("order 42").toString("base64"),
          attributes: { kind: "new" },
          messageId: "1",
          publishTime: "2026-12-03T00:00:00Z",
        }),
      ),
    ).toEqual({
      data: Buffer.from("order 42"),
      attributes: { kind: "new" },
      messageId: "1",
      publishTime: "2026-12-03T00:00:00Z",
      subscription: "projects/p/subscriptions/s",
    });
  });

  test("reads the snake_case copies Pub/Sub also sends, and a message without data or attributes", () => {
    expect(pushMessage({ message: { message_id: "2", publish_time: "t" } })).toEqual({
      data: Buffer.alloc(0),
      attributes: {},
      messageId: "2",
      publishTime: "t",
    });
  });

  test.each([
    ["no body", undefined],
    ["a string", "hello"],
    ["an array", []],
    ["no message", { subscription: "s" }],
    ["data that is not base64", envelope({ data: "not base64!", messageId: "1", publishTime: "t" })],
    ["data of the wrong length", envelope({ data: "abc", messageId: "1", publishTime: "t" })],
    ["attributes that are not strings", envelope({ attributes: { n: 1 }, messageId: "1", publishTime: "t" })],
    ["no messageId", envelope({ publishTime: "t" })],
    [
      "a subscription that is not a string",
      envelope({ messageId: "1", publishTime: "t" }, { subscription: 7 }),
    ],
  ])("answers 400 to %s, never a crash", (_name, body) => {
    let thrown: unknown;
    try {
      pushMessage(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(400);
  });
});
