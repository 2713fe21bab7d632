import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';
import { BranchProtection } from './branch-protection';
import { CodeQlWorkflow } from './codeql-workflow';
import { ContainerBuildWorkflow } from './container-build-workflow';
import { checkContact } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { seedFile } from '../core/sync';
import { writeFileAtomic } from '../core/sync-record';
import { renderTemplate } from '../core/templates';
import { addValidation } from '../core/validation';
import { GitHubServerKind, githubServerOf, Repository, RepositoryFacts } from '../model/repository';
import { signingFacts, signingPhrase } from '../model/signing';

/** Options for `SecurityPolicy`. */
export interface SecurityPolicyOptions {
  /**
   * Where to report vulnerabilities privately: an email address or an https URL.
   * @default - GitHub's private vulnerability reporting on the repository (github.com); on another `githubUrl` the repository's administrators
   */
  readonly contact?: string;
}

/** `SECURITY.md` (seeded: written once, then yours): how to report a vulnerability. */
export class SecurityPolicy extends Component {
  /** The project's SecurityPolicy, if it has one. */
  public static of(project: Project): SecurityPolicy | undefined {
    return project.components.find((c): c is SecurityPolicy => c instanceof SecurityPolicy);
  }

  constructor(project: Project, options: SecurityPolicyOptions = {}) {
    super(project);
    const contact = options.contact;
    addValidation(project, () => {
      const problem = contact === undefined ? undefined : checkContact(contact);
      return problem ? [{ option: 'securityContact', message: problem }] : [];
    });
    const render = () => renderTemplate('SECURITY.md.hbs', {
      contact: contact && `<${contact}>`,
      // A link to report to (OpenSSF Scorecard's Security-Policy looks for an address or a URL).
      ...reportTo(Repository.factsOf(project)),
      branch: BranchProtection.of(project)?.branch ?? Repository.factsOf(project).defaultBranch,
      codeql: project.components.some((c) => c instanceof CodeQlWorkflow),
      build: ContainerBuildWorkflow.of(project) && {
        signs: ContainerBuildWorkflow.of(project)!.signs,
        signing: signingPhrase(signingFacts(project)),
      },
    });
    const purpose = 'How to report a vulnerability privately, and what protects this service.';
    seedFile(project, 'SECURITY.md', render, purpose);
    describeFile(project, {
      path: 'SECURITY.md',
      owner: FileOwner.SEEDED,
      purpose,
      change: 'Edit it directly, except the part between the projen-gitops markers, which follows the options (delete the markers to own it too).',
    });
    // After the seed (components synthesize in order): the facts stay true when options change.
    new ManagedRegion(project, 'SECURITY.md', render);
  }
}

const BEGIN = /<!-- projen-gitops:managed:begin[^>]*-->\n/;
const END = '<!-- projen-gitops:managed:end -->';

/** The text between the markers (markers included), or `undefined` without both. */
function region(text: string): { start: number; end: number } | undefined {
  const begin = BEGIN.exec(text);
  const end = begin ? text.indexOf(END, begin.index) : -1;
  return begin && end >= 0 ? { start: begin.index, end: end + END.length } : undefined;
}

/**
 * Keeps the marked part of a seeded file equal to the same part of its template, on every
 * synth; the rest of the file is the user's. A file without the markers is left alone.
 */
class ManagedRegion extends Component {
  constructor(project: Project, private readonly filePath: string, private readonly render: () => string) {
    super(project);
  }

  public synthesize(): void {
    // The seed's own check (preSynthesize) refused a path that leaves the repository.
    const file = path.join(this.project.outdir, this.filePath);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf-8');
    const mine = region(text);
    const rendered = this.render();
    const fresh = region(rendered);
    if (!mine || !fresh) return;
    const next = text.slice(0, mine.start) + rendered.slice(fresh.start, fresh.end) + text.slice(mine.end);
    if (next !== text) writeFileAtomic(file, next);
  }
}

/**
 * Where a report goes without a `contact`. On github.com: GitHub's private vulnerability
 * reporting form of the repository, when it is known. GitHub documents that form for github.com
 * only, for public repositories (github/docs content/code-security/how-tos/report-and-fix-vulnerabilities/configure-vulnerability-reporting/configure-for-a-repository.md,
 * `versions: fpt, ghec`), and a data-residency server has no public repositories: on any other
 * server the report goes to the repository's administrators, linked on that server.
 */
function reportTo(repo: RepositoryFacts): { reportUrl?: string; enterprise?: { server: string; repositoryUrl?: string } } {
  const server = githubServerOf(repo.githubUrl);
  if (server.kind === GitHubServerKind.GITHUB_COM) return { reportUrl: repo.repository && `${server.url}/${repo.repository}/security/advisories/new` };
  return { enterprise: { server: server.host, repositoryUrl: repo.repository && `${server.url}/${repo.repository}` } };
}
