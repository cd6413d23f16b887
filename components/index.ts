export {
  CallGraph,
  INVOKER_ROLE,
  REQUIRED_APIS,
  RUN_INVOKER_ROLE,
  SECOND_GEN_APIS,
  type CallGraphArgs,
} from "./call-graph";
export { buildFunctionArchive, type FunctionArchive, type FunctionArchiveOptions } from "./function-archive";
export { ServiceFunction, type ServiceFunctionArgs } from "./service-function";
