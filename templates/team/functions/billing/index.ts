import * as functions from "@google-cloud/functions-framework";
import { queryString, requireMethod, secured, sendJson } from "callgraph/runtime";
import type { Callee } from "./callees.generated";

const PRICES: Readonly<Record<string, number>> = { widget: 3, gadget: 7 };

/** `GET ?item=widget`: the item's price. */
export const billing = secured<Callee>(async (req, res) => {
  requireMethod(req, "GET");
  const item = queryString(req, "item") ?? "";
  sendJson(res, 200, { item, price: PRICES[item] ?? null });
});

functions.http("billing", billing);
