import { github } from 'projen';
import { ACTIONS, uses } from './actions';

/**
 * The repository variable holding the client id of the GitHub App that the automation's pull
 * requests (upgrade, pin-base-images) are opened with.
 */
export const UPGRADE_APP_VARIABLE = 'UPGRADE_APP_CLIENT_ID';
/** The repository secret holding that GitHub App's private key. */
export const UPGRADE_APP_SECRET = 'UPGRADE_APP_PRIVATE_KEY';

/** The token that pushes and opens the pull request: the App's when it is set up, else the workflow's. */
export const APP_OR_WORKFLOW_TOKEN = '${{ steps.app-token.outputs.token || github.token }}';
/** `app` or `workflow`: which token that is, for the pull request's body. */
export const APP_TOKEN_KIND = "${{ steps.app-token.outputs.token && 'app' || 'workflow' }}";

/** What the App token may do, and what the job warns when there is no App. */
export interface AppTokenStepsOptions {
  /** The App token's permissions (`contents: 'write'` becomes `permission-contents: write`), in this order. */
  readonly permissions: { [scope: string]: string };
  /** The warning's title. */
  readonly title: string;
  /** The warning, after `UPGRADE_APP_CLIENT_ID is not set: `. */
  readonly consequence: string;
}

/**
 * A GitHub App token (step id `app-token`) when the variable `UPGRADE_APP_CLIENT_ID` is set: a
 * pull request opened with the workflow token starts no workflow (GitHub's rule against
 * recursive runs), so its checks would never run. Without the App, a warning says so, and the
 * job falls back to the workflow token (`APP_OR_WORKFLOW_TOKEN`).
 */
export function appTokenSteps(options: AppTokenStepsOptions): github.workflows.JobStep[] {
  return [
    {
      name: 'GitHub App token (so the pull request\'s checks run)',
      id: 'app-token',
      if: `vars.${UPGRADE_APP_VARIABLE} != ''`,
      uses: uses(ACTIONS.createAppToken),
      with: {
        'client-id': `\${{ vars.${UPGRADE_APP_VARIABLE} }}`,
        'private-key': `\${{ secrets.${UPGRADE_APP_SECRET} }}`,
        ...Object.fromEntries(Object.entries(options.permissions).map(([scope, level]) => [`permission-${scope}`, level])),
      },
    },
    {
      name: 'Without the GitHub App, checks will not run on the pull request',
      if: `vars.${UPGRADE_APP_VARIABLE} == ''`,
      run: `echo "::warning title=${options.title}::${UPGRADE_APP_VARIABLE} is not set: ${options.consequence}"`,
    },
  ];
}
