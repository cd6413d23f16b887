// Generated from every Pulumi.<stack>.yaml: each deployment grants invocation exactly as declared, in preview and
// update; every function bundles and exports its entry point; on the local stack each caller gets in exactly where
// declared. Nothing to edit: the declaration is the test.
import { stackTests } from "callgraph/testing";

stackTests();
