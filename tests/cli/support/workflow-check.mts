/**
 * Validates GitHub Actions workflow files with GitHub's own parser (@actions/workflow-parser, from
 * actions/languageservices: the workflow schema, expressions and contexts, as the Actions editor checks them).
 * It is ESM and imports its schema as JSON, so it runs as its own process under tsx; jest talks to it over
 * stdio. Input: a JSON array of { name, content } on stdin. Output: a JSON array of { name, errors } on stdout.
 */
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";

export interface WorkflowCheck {
  readonly name: string;
  readonly errors: readonly string[];
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const files = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { name: string; content: string }[];

const results: WorkflowCheck[] = [];
for (const file of files) {
  const parsed = parseWorkflow(file, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value && errors.length === 0) {
    // Conversion checks what parsing leaves to it (jobs, needs, matrix, reusable-workflow calls).
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  results.push({ name: file.name, errors });
}
process.stdout.write(JSON.stringify(results));
