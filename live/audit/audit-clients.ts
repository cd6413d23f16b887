// One module per API, as in ../google-clients.ts: the CLI loads only what it reads.
import { cloudasset, type cloudasset_v1 } from "googleapis/build/src/apis/cloudasset";
import { cloudfunctions, type cloudfunctions_v1 } from "googleapis/build/src/apis/cloudfunctions";
import {
  cloudresourcemanager,
  type cloudresourcemanager_v1,
} from "googleapis/build/src/apis/cloudresourcemanager";
import { run, type run_v2 } from "googleapis/build/src/apis/run";
import { cloudscheduler, type cloudscheduler_v1 } from "googleapis/build/src/apis/cloudscheduler";
import { cloudtasks, type cloudtasks_v2 } from "googleapis/build/src/apis/cloudtasks";
import { eventarc, type eventarc_v1 } from "googleapis/build/src/apis/eventarc";
import { pubsub, type pubsub_v1 } from "googleapis/build/src/apis/pubsub";
import { workflows, type workflows_v1 } from "googleapis/build/src/apis/workflows";
import {
  CLOUD_PLATFORM_SCOPE,
  createGoogleClients,
  GoogleAuth,
  type GoogleClientOptions,
  type GoogleClients,
} from "../google-clients";

/**
 * The shared clients (one API root, one limiter, one retry policy: every request still goes through
 * {@link GoogleClients.call}) plus the APIs only the audit reads: Cloud Functions v1 (1st-gen functions and
 * their policies), Cloud Run v2 (the policies of 2nd-gen functions' services), Resource Manager v1 (the
 * project's ancestry in one call) and Cloud Asset Inventory v1 (every policy of a scope in one query).
 */
export interface AuditClients extends GoogleClients {
  readonly cloudfunctionsV1: cloudfunctions_v1.Cloudfunctions;
  readonly run: run_v2.Run;
  readonly cloudresourcemanagerV1: cloudresourcemanager_v1.Cloudresourcemanager;
  readonly cloudasset: cloudasset_v1.Cloudasset;
  /** The callers that are not functions: read only for the kinds the stack declares. */
  readonly cloudscheduler: cloudscheduler_v1.Cloudscheduler;
  readonly pubsub: pubsub_v1.Pubsub;
  readonly cloudtasks: cloudtasks_v2.Cloudtasks;
  readonly workflows: workflows_v1.Workflows;
  readonly eventarc: eventarc_v1.Eventarc;
}

export function createAuditClients(options: GoogleClientOptions = {}): AuditClients {
  // One credential for every client, so ADC is resolved (and its token fetched) once.
  const auth = options.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const global = { auth } as const;
  return {
    ...createGoogleClients({ ...options, auth }),
    cloudfunctionsV1: cloudfunctions({ version: "v1" as const, ...global }),
    run: run({ version: "v2" as const, ...global }),
    cloudresourcemanagerV1: cloudresourcemanager({ version: "v1" as const, ...global }),
    cloudasset: cloudasset({ version: "v1" as const, ...global }),
    cloudscheduler: cloudscheduler({ version: "v1" as const, ...global }),
    pubsub: pubsub({ version: "v1" as const, ...global }),
    cloudtasks: cloudtasks({ version: "v2" as const, ...global }),
    workflows: workflows({ version: "v1" as const, ...global }),
    eventarc: eventarc({ version: "v1" as const, ...global }),
  };
}
