import type { GitOpsProjectOptions } from './gitops-project';
import { show } from '../core/checks';
import { Problem } from '../core/validation';
import { EnvironmentFacts } from '../model/environments';

/**
 * Switches that cannot take effect. An option set explicitly is a request: when another option
 * turns off the part it belongs to, synth says so instead of dropping it in silence (issue 22:
 * `argocd: true` without `repository` removed the deploy tier without a word). Each message
 * names what is missing and a fix that turns the part on, or removes the switch.
 */
export function ineffectiveSwitches(options: GitOpsProjectOptions, environments: EnvironmentFacts[]): Problem[] {
  const problems: Problem[] = [];
  const hasRepository = options.repository !== undefined;
  const asked = hasRepository || options.environments !== undefined;
  const deployed = environments.filter((e) => e.deploy);
  const deploys = asked && deployed.length > 0;
  const argocdOn = deploys && (options.argocd ?? hasRepository);
  const signed = options.signImages !== false;
  const promotionOn = deploys && (options.promotion ?? (hasRepository && signed));
  // Why nothing is deployed, and how to turn it on.
  const noDeploy = !asked
    ? { why: 'no deployment part is written without repository (or environments)', fix: "set repository: 'my-org/my-repo'" }
    : { why: 'every environment has deploy: false', fix: 'set deploy: true on an environment' };

  for (const option of ['argocd', 'promotion'] as const) {
    if (options[option] === true && !deploys) {
      problems.push({ option, message: `is true, but nothing is deployed: ${noDeploy.why}; ${noDeploy.fix}, or remove ${option}` });
    }
  }
  const argocdOff = options.argocd === false
    ? { why: 'argocd is false', fix: 'set argocd: true' }
    : !deploys ? noDeploy : { why: 'Argo CD objects need repository (their source)', fix: "set repository: 'my-org/my-repo'" };
  if (options.argocdOptions !== undefined && !argocdOn) {
    problems.push({ option: 'argocdOptions', message: `has no effect: no Argo CD objects are written (${argocdOff.why}), got ${show(options.argocdOptions)}; ${argocdOff.fix}, or remove argocdOptions` });
  }
  const promotionOff = options.promotion === false
    ? { why: 'promotion is false', fix: 'set promotion: true' }
    : !deploys ? noDeploy
      : !signed ? { why: 'promotion verifies signatures and signImages is false', fix: 'set signImages: true' }
        : { why: 'promotion needs repository', fix: "set repository: 'my-org/my-repo'" };
  (options.environments ?? []).forEach((env, i) => {
    if (env?.autoMerge === true && !promotionOn) {
      problems.push({ option: `environments[${i}].autoMerge`, message: `is true, but no promotion pull request is opened to merge (${promotionOff.why}); ${promotionOff.fix}, or remove autoMerge` });
    } else if (env?.autoMerge === true && env.deploy === false) {
      problems.push({ option: `environments[${i}].autoMerge`, message: `is true, but environment ${show(env.name)} is not deployed (deploy: false), so nothing is promoted into it; remove autoMerge, or set deploy: true` });
    }
    if (env?.deploy === false) {
      // An environment that is off writes nothing: its settings would wait in silence.
      for (const field of ['autoSync', 'approvers', 'overrides', 'services'] as const) {
        if (env[field] === undefined) continue;
        problems.push({
          option: `environments[${i}].${field}`,
          message: `has no effect: environment ${show(env.name)} is not deployed (deploy: false), got ${show(env[field])}; remove ${field}, or set deploy: true`,
        });
      }
    } else if (env?.autoSync !== undefined && !argocdOn) {
      problems.push({ option: `environments[${i}].autoSync`, message: `has no effect: no Argo CD Application syncs anything (${argocdOff.why}), got ${show(env.autoSync)}; ${argocdOff.fix}, or remove autoSync` });
    }
  });
  if (options.deployment !== undefined && !deploys) {
    problems.push({ option: 'deployment', message: `has no effect: ${noDeploy.why}, got ${show(options.deployment)}; ${noDeploy.fix}, or remove deployment` });
  }
  (options.services ?? []).forEach((service, i) => {
    if (service?.deployment !== undefined && !deploys) {
      problems.push({ option: `services[${i}].deployment`, message: `has no effect: ${noDeploy.why}, got ${show(service.deployment)}; ${noDeploy.fix}, or remove deployment` });
    }
  });
  for (const option of ['infraStateBucket', 'infraOwners'] as const) {
    // infraOwners without codeOwners is reported with its own fix (set codeOwners).
    if (options[option] !== undefined && options.iac === undefined && (option === 'infraStateBucket' || options.codeOwners !== undefined)) {
      problems.push({ option, message: `has no effect without iac (no infra/ is written), got ${show(options[option])}; set iac: Iac.TERRAFORM, or remove ${option}` });
    }
  }
  // Renovate and the upgrade workflow would each open a pull request for the same release.
  if (options.renovate === true && options.upgradeWorkflow === true) {
    problems.push({ option: 'upgradeWorkflow', message: 'opens the same template upgrade as Renovate (renovate: true), so every release would get two pull requests, got upgradeWorkflow: true; set upgradeWorkflow: false (or renovate: false)' });
  }
  return problems;
}
