/**
 * The promotion contract: what synth writes for the `promote` command and what both sides
 * agree on (the facts file, the branch a promotion pull request comes from). The workflow that
 * runs promotions, the branch protection notes and the CLI read it here.
 */
import { DeployEngine } from './deploy-engine';
import { GateFacts } from './gates';
import { DEPLOY_DIR } from './layout';
import { SigningFacts } from './signing';

/** `deploy/promotion.json`: what synth knows and the promotion needs (managed). */
export interface PromotionFacts {
  readonly repository: string;
  readonly defaultBranch: string;
  /** The deployed environments, in promotion order. */
  readonly environments: string[];
  readonly services: Array<{ readonly name: string; readonly image: string; readonly path: string }>;
  /** The certificate identity (workflow) a signature must have. */
  readonly certificateIdentity: string;
  readonly certificateOidcIssuer: string;
  /** How images are signed: promotion verifies with the same mode (`verifyCommand`). */
  readonly signing: SigningFacts;
  /** The promotion gates of each environment that has any (a promotion.json from before gates has none). */
  readonly gates?: { readonly [environment: string]: GateFacts };
  /** The approvers of each environment (`@user`, `@org/team`), for the approvals gate. */
  readonly approvers?: { readonly [environment: string]: string[] };
  /** The GitOps engine that deploys a merge, when it is not Argo CD (a promotion.json without it is Argo CD's). */
  readonly deployEngine?: DeployEngine;
}

export const PROMOTION_FACTS = `${DEPLOY_DIR}/promotion.json`;
export const PROMOTION_BRANCH_PREFIX = 'promote/';
