import { backoffDelay, retryAfterDelay } from "../../functions/shared";

describe("backoffDelay (full jitter)", () => {
  const policy = { baseMs: 100, maxMs: 1000 };

  test.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000], // capped
    [30, 1000],
  ])("retry %i: uniformly below %i ms", (retry, ceiling) => {
    expect(backoffDelay(retry, policy, () => 0)).toBe(0);
    expect(backoffDelay(retry, policy, () => 0.5)).toBe(Math.floor(ceiling / 2));
    expect(backoffDelay(retry, policy, () => 0.999999)).toBe(ceiling - 1);
  });

  test("with the real random source, delays spread over the range", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, policy));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(800);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe("retryAfterDelay", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  test.each<[string | null, number | undefined]>([
    [null, undefined],
    ["", undefined],
    ["soon", undefined],
    ["0", 0],
    ["2", 2000],
    ["3600", 5000], // capped
    ["Wed, 01 Jan 2025 00:00:03 GMT", 3000],
    ["Tue, 31 Dec 2024 23:00:00 GMT", 0], // in the past
  ])("Retry-After %p -> %p ms", (header, expected) => {
    expect(retryAfterDelay(header, 5000, now)).toBe(expected);
  });
});
