import * as fs from 'fs';
import * as path from 'path';
import { AdvisorySeverity, DependencyReviewWorkflow, DependencyUpdates, ScanSeverity, UpdateInterval } from '../../src';
import { SEVERITIES as ADVISORY_SEVERITIES } from '../../src/core/checks';
import { SEVERITIES as SCAN_SEVERITIES } from '../../src/github/container-build-steps';
import { gitopsProject, synth } from '../util';

// Options whose values are a closed set (issue 23): each has an enum for completion and docs,
// and stays typed `string`, so a .projenrc.ts that writes the plain strings keeps working.

describe('closed sets', () => {
  test('each enum member is the plain string the option always took', () => {
    expect(Object.entries(ScanSeverity)).toEqual([['CRITICAL', 'CRITICAL'], ['HIGH', 'HIGH'], ['MEDIUM', 'MEDIUM'], ['LOW', 'LOW'], ['NONE', 'NONE']]);
    expect([...SCAN_SEVERITIES, 'NONE']).toEqual(Object.values(ScanSeverity));
    expect(Object.entries(UpdateInterval)).toEqual([['DAILY', 'daily'], ['WEEKLY', 'weekly'], ['MONTHLY', 'monthly']]);
    expect(Object.entries(AdvisorySeverity)).toEqual([['LOW', 'low'], ['MODERATE', 'moderate'], ['HIGH', 'high'], ['CRITICAL', 'critical']]);
    // The CLI checks --fail-on-severity against the list core keeps: the same values.
    expect(ADVISORY_SEVERITIES).toEqual(Object.values(AdvisorySeverity));
  });

  test.each(Object.values(ScanSeverity))('scanSeverity: the member and the plain string %s write the same files', (value) => {
    const member = synth(gitopsProject({ scanSeverity: value as ScanSeverity }));
    const plain = synth(gitopsProject({ scanSeverity: `${value}` }));
    expect(member).toEqual(plain);
  });

  test('the default scanSeverity is ScanSeverity.CRITICAL, the same files as "CRITICAL"', () => {
    expect(synth(gitopsProject())).toEqual(synth(gitopsProject({ scanSeverity: 'CRITICAL' })));
    expect(synth(gitopsProject())).toEqual(synth(gitopsProject({ scanSeverity: ScanSeverity.CRITICAL })));
    // The comparison sees a difference: another severity writes other files.
    expect(synth(gitopsProject({ scanSeverity: ScanSeverity.HIGH }))).not.toEqual(synth(gitopsProject()));
  });

  test.each(Object.values(UpdateInterval))('interval: the member and the plain string %s write the same dependabot.yml', (value) => {
    const out = (interval: string) => {
      const project = gitopsProject({ dependabot: false });
      new DependencyUpdates(project, { interval });
      return synth(project);
    };
    const member = out(value);
    expect(member).toEqual(out(`${value}`));
    expect(member['.github/dependabot.yml']).toContain(`interval: ${value}\n`);
  });

  test.each(Object.values(AdvisorySeverity))('failOnSeverity: the member and the plain string %s write the same workflow', (value) => {
    const out = (failOnSeverity: string) => {
      const project = gitopsProject({ dependencyReview: false });
      new DependencyReviewWorkflow(project, { failOnSeverity });
      return synth(project);
    };
    const member = out(value);
    expect(member).toEqual(out(`${value}`));
    expect(member['.github/workflows/dependency-review.yml']).toContain(`--fail-on-severity ${value}`);
  });

  test('the assembly keeps the options typed string (other languages pass strings) and ships the enums', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.jsii'), 'utf-8'));
    const typeOf = (fqn: string, name: string) => assembly.types[fqn].properties.find((p: any) => p.name === name).type;
    expect(typeOf('projen-gitops.GitOpsProjectOptions', 'scanSeverity')).toEqual({ primitive: 'string' });
    expect(typeOf('projen-gitops.ContainerBuildWorkflowOptions', 'scanSeverity')).toEqual({ primitive: 'string' });
    expect(typeOf('projen-gitops.DependencyUpdatesOptions', 'interval')).toEqual({ primitive: 'string' });
    expect(typeOf('projen-gitops.DependencyReviewWorkflowOptions', 'failOnSeverity')).toEqual({ primitive: 'string' });
    for (const [name, members] of [['ScanSeverity', ScanSeverity], ['UpdateInterval', UpdateInterval], ['AdvisorySeverity', AdvisorySeverity]] as const) {
      expect(assembly.types[`projen-gitops.${name}`].kind).toBe('enum');
      expect(assembly.types[`projen-gitops.${name}`].members.map((m: any) => m.name)).toEqual(Object.keys(members));
    }
  });
});
