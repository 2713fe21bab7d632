import { Component, Project } from 'projen';
import { BranchProtection } from './branch-protection';
import { CodeQlWorkflow } from './codeql-workflow';
import { ContainerBuildWorkflow } from './container-build-workflow';
import { seedFile } from '../core/sync';
import { renderTemplate } from '../core/templates';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';

/** Options for `SecurityPolicy`. */
export interface SecurityPolicyOptions {
  /**
   * Where to report vulnerabilities privately: an email address or an https URL.
   * @default - GitHub's private vulnerability reporting on the repository
   */
  readonly contact?: string;
}

/** `SECURITY.md` (seeded: written once, then yours): how to report a vulnerability. */
export class SecurityPolicy extends Component {
  constructor(project: Project, options: SecurityPolicyOptions = {}) {
    super(project);
    const contact = options.contact;
    addValidation(project, () => contact === undefined || /^(https:\/\/\S+|[^\s@]+@[^\s@]+\.[^\s@]+)$/.test(contact) ? [] : [{
      option: 'securityContact',
      message: `must be an email address or an https URL, got ${JSON.stringify(contact)}; try 'security@example.com'`,
    }]);
    seedFile(project, 'SECURITY.md', () => renderTemplate('SECURITY.md.hbs', {
      contact: contact && `<${contact}>`,
      branch: BranchProtection.of(project)?.branch ?? Repository.factsOf(project).defaultBranch,
      codeql: project.components.some((c) => c instanceof CodeQlWorkflow),
      build: ContainerBuildWorkflow.of(project) && { signs: ContainerBuildWorkflow.of(project)!.signs },
    }), 'How to report a vulnerability privately, and what protects this service.');
  }
}
