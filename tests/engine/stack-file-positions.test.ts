import { evaluate, EvaluationError } from "../../engine";
import { fn, ProgramRepo } from "../cli/support/program-repo";

// A declaration the program refuses is shown at the stack file's lines, as every command prints it: each problem led
// by `file:line:column` of the value it names. Only a declaration read from that file: one in the program's code, or
// one a caller passed in `config`, has no lines there.

let repo: ProgramRepo;
beforeAll(() => {
  repo = ProgramRepo.create();
});
afterAll(() => repo.dispose());

async function refusal(options: Parameters<typeof evaluate>[0]): Promise<string> {
  const error = await evaluate(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EvaluationError);
  return (error as Error).message;
}

test("each problem of a stack file's declaration is led by its file, line and column", async () => {
  repo.topology({ alpha: fn({ calls: ["beta", "nowhere"] }), beta: fn({ invokers: ["user:bob"] }) });
  const lines = (await refusal({ programDir: repo.dir })).split("\n").slice(1);
  expect(lines).toEqual([
    expect.stringMatching(
      /^ {2}\/.*\/Pulumi\.dev\.yaml:\d+:\d+: functions\.alpha\.calls\[1\]: unknown function "nowhere"$/,
    ),
    expect.stringMatching(
      /^ {2}\/.*\/Pulumi\.dev\.yaml:\d+:\d+: functions\.beta\.invokers\[0\]: invalid member "user:bob"/,
    ),
  ]);
  // The line is the value's: the second of alpha's calls, the first of beta's invokers.
  const file = repo.read("Pulumi.dev.yaml").split("\n");
  const at = (line: string) => Number(/yaml:(\d+):/.exec(line)![1]);
  expect(file[at(lines[0]) - 1]).toContain("nowhere");
  expect(file[at(lines[1]) - 1]).toContain("user:bob");
}, 60_000);

test("a declaration given in config, not read from the file, has no lines there", async () => {
  repo.topology({ alpha: fn({ calls: ["nowhere"] }) });
  const message = await refusal({
    programDir: repo.dir,
    config: { "callgraph:functions": { alpha: fn({ calls: ["nowhere"] }) } },
  });
  expect(message).toContain('\n  functions.alpha.calls[0]: unknown function "nowhere"');
}, 60_000);
