import * as functions from "@google-cloud/functions-framework";
import { CalleeError, requireMethod, secured, sendJson } from "callgraph/runtime";
import type { Callee } from "./callees.generated";

/** `POST {"item": "..."}`: asks billing for the price with this function's own identity. */
export const orders = secured<Callee>(async (req, res, { downstream }) => {
  requireMethod(req, "POST");
  const item = typeof req.body?.item === "string" ? req.body.item : "widget";
  const price = await downstream.call("billing", { method: "GET", query: { item } });
  if (price.status !== 200)
    throw new CalleeError(`billing answered HTTP ${price.status}`, "billing", price.status);
  sendJson(res, 200, { item, price: price.body });
});

functions.http("orders", orders);
