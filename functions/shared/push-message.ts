import { HttpError } from "./http";

/** One Pub/Sub message as a push subscription delivers it, its data decoded. */
export interface PushMessage {
  /** The message data, decoded from base64. */
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageId: string;
  readonly publishTime: string;
  /** The subscription that delivered it (`projects/P/subscriptions/S`); absent when unwrapped. */
  readonly subscription?: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The message of a push delivery, from its wrapped body: `{"message": {"data", "attributes", "messageId",
 * "publishTime"}, "subscription"}` ("Receive messages using push", https://cloud.google.com/pubsub/docs/push#receive_push).
 * A body of any other shape is the sender's mistake, answered 400 (an `HttpError` `secured` turns into JSON): a
 * handler never reads a field nothing checked. For a subscription declared `noWrapper`, the body is the data itself
 * and nothing else arrives (no attributes, no message id: callgraph unwraps without metadata).
 */
export function pushMessage(body: unknown): PushMessage {
  const envelope = recordOf(body);
  const message = recordOf(envelope?.message);
  if (!envelope || !message)
    throw new HttpError(
      400,
      'expected a Pub/Sub push envelope: {"message": {"data": "<base64>", ...}, "subscription": "..."}',
    );
  const data = message.data ?? "";
  if (typeof data !== "string" || !BASE64.test(data) || data.length % 4 !== 0)
    throw new HttpError(400, "message.data must be base64");
  const attributes = message.attributes ?? {};
  const attributesRecord = recordOf(attributes);
  if (!attributesRecord || !Object.values(attributesRecord).every((v) => typeof v === "string"))
    throw new HttpError(400, "message.attributes must be an object of strings");
  const messageId = message.messageId ?? message.message_id;
  const publishTime = message.publishTime ?? message.publish_time;
  if (typeof messageId !== "string" || typeof publishTime !== "string")
    throw new HttpError(400, "message.messageId and message.publishTime must be strings");
  const subscription = envelope.subscription;
  if (subscription !== undefined && typeof subscription !== "string")
    throw new HttpError(400, "subscription must be a string");
  return {
    data: Buffer.from(data, "base64"),
    attributes: attributesRecord as Record<string, string>,
    messageId,
    publishTime,
    ...(subscription === undefined ? {} : { subscription }),
  };
}

function recordOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
