import { eachWarningOnce } from "../../engine";

describe("eachWarningOnce", () => {
  let printed: string[];
  let warn: jest.SpyInstance;
  beforeEach(() => {
    printed = [];
    warn = jest.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      printed.push(args.join(" "));
    });
  });
  afterEach(() => warn.mockRestore());

  test("prints each distinct warning once, in the order first printed, and returns the work's answer", async () => {
    const answer = await eachWarningOnce(async () => {
      console.warn("warning: [runtime] a");
      await Promise.resolve();
      console.warn("warning: [runtime] b");
      console.warn("warning: [runtime] a");
      // The same text however it was formatted is the same warning.
      console.warn("warning: [runtime] %s", "b");
      console.warn("warning: [runtime] a, in other words");
      return 42;
    });
    expect(answer).toBe(42);
    expect(printed).toEqual([
      "warning: [runtime] a",
      "warning: [runtime] b",
      "warning: [runtime] a, in other words",
    ]);
  });

  test("console.warn is itself again afterwards, whether the work succeeded or failed; the next run prints again", async () => {
    await eachWarningOnce(async () => console.warn("x"));
    expect(console.warn).toBe(warn);
    await expect(
      eachWarningOnce(async () => {
        console.warn("x");
        throw new Error("the evaluation failed");
      }),
    ).rejects.toThrow("the evaluation failed");
    expect(console.warn).toBe(warn);
    console.warn("x");
    expect(printed).toEqual(["x", "x", "x"]);
  });
});
