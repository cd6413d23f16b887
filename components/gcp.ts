// The @pulumi/gcp services the components register, each imported from its own module. The package's index loads
// every one of its ~150 services as it loads (about 90 ms, against about 11 ms for these 13), and a type check of a
// program that imports it parses all their typings (39 MB of .d.ts, against about 16 MB for these and the shared
// `types`) (issue 19: the test suite's time). The classes are the same: the index re-exports these modules.
export * as artifactregistry from "@pulumi/gcp/artifactregistry";
export * as cloudfunctions from "@pulumi/gcp/cloudfunctions";
export * as cloudfunctionsv2 from "@pulumi/gcp/cloudfunctionsv2";
export * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
export * as cloudscheduler from "@pulumi/gcp/cloudscheduler";
export * as cloudtasks from "@pulumi/gcp/cloudtasks";
export * as eventarc from "@pulumi/gcp/eventarc";
export * as projects from "@pulumi/gcp/projects";
export * as pubsub from "@pulumi/gcp/pubsub";
export * as secretmanager from "@pulumi/gcp/secretmanager";
export * as serviceaccount from "@pulumi/gcp/serviceaccount";
export * as storage from "@pulumi/gcp/storage";
export * as workflows from "@pulumi/gcp/workflows";
