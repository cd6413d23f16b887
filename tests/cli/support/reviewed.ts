import { reviewGraph } from "../../../cli/review/review-graph";
import { graphOf, handWrittenMember, projectMember } from "./graphs";

/** The demo stack, a public function, and two grants written by hand: one on a function, one project-wide. */
export const REVIEWED = reviewGraph(
  graphOf(
    {
      login: { calls: ["profiles"], invokers: ["group:dev@example.com"] },
      profiles: {},
      search: { calls: ["profiles"] },
      status: { invokers: ["allUsers"] },
    },
    [
      handWrittenMember("rogue", "profiles", "user:mallory@example.com"),
      projectMember("ci-everything", "serviceAccount:ci@other.iam.gserviceaccount.com", "roles/editor"),
    ],
  ),
);
