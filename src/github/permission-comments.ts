/**
 * Why a generated job asks for each permission beyond `contents: read`, written as a comment on
 * its line (zizmor's `undocumented-permissions` audit asks for one; a reviewer reads it).
 * projen renders workflows from an object model, which has no place for comments, so the
 * rendered text is post-processed (with the version comments of the pins).
 */
const REASONS: Record<string, string> = {
  'actions: read': 'CodeQL reads the workflow run it analyses (private repositories)',
  'security-events: write': 'uploads scan results to GitHub code scanning',
  'packages: write': 'pushes the image to GitHub Container Registry',
  'packages: read': 'reads from GitHub Container Registry: the image (or its signature) to scan or verify it, or a base image\'s digest',
  'contents: write': 'pushes the promotion, upgrade or pin-base-images branch (used only without the GitHub App)',
  'id-token: write': 'OIDC token: the signing identity (keyless, attestations), cloud KMS and registry logins',
  'attestations: write': 'stores the build provenance and SBOM attestations (GitHub artifact attestations)',
  'attestations: read': 'reads the attestations gh attestation verify checks before promoting',
  'pull-requests: read': 'reads the merged pull requests (their hotfix label) for the delivery metrics',
  'pull-requests: write': 'opens the promotion, upgrade or pin-base-images pull request (without the GitHub App) or posts the infra plan comment',
  'statuses: write': 'sets the "Promotion gates (<env>)" commit status (the gates\' required check)',
  'issues: write': 'opens, updates and closes the infra drift issue of a root, or keeps the fleet report issue',
};

/** Adds the reason comment to each permission line of a `permissions:` block that has one. */
export function annotatePermissions(yaml: string): string {
  let block: number | undefined; // indentation of the `permissions:` key we are under
  return yaml.split('\n').map((line) => {
    const indent = line.length - line.trimStart().length;
    if (block !== undefined && line.trim() !== '' && indent <= block) block = undefined;
    if (/^\s*permissions:\s*$/.test(line)) {
      block = indent;
      return line;
    }
    const reason = block !== undefined ? REASONS[line.trim()] : undefined;
    return reason ? `${line} # ${reason}` : line;
  }).join('\n');
}
