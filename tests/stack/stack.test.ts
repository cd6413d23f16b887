// The stacks' tests, generated from every Pulumi.<stack>.yaml of the project: what a user's repository holds.
import { stackTests } from "callgraph/testing";

stackTests();
