/**
 * The build account's grants (`iam/build-grants.ts`: one definition for the component that makes them and the
 * policy pack that allows exactly them).
 */
export {
  BUILD_ROLES,
  buildProjectGrants,
  stagingBucket,
  stagingReadCondition,
  type BuildProjectGrant,
} from "../iam/build-grants";
