import type { GitOpsProjectOptions } from './gitops-project';
import { show } from '../core/checks';
import { Problem } from '../core/validation';
import { DeployEngine } from '../model/deploy-engine';
import { EnvironmentFacts, EnvironmentOptions } from '../model/environments';

/**
 * Switches that cannot take effect. An option set explicitly is a request: when another option
 * turns off the part it belongs to, synth says so instead of dropping it in silence (issue 22:
 * `argocd: true` without `repository` removed the deploy tier without a word). Each message
 * names what is missing and a fix that turns the part on, or removes the switch.
 */
export function ineffectiveSwitches(
  options: GitOpsProjectOptions,
  environments: EnvironmentFacts[],
  added: Array<{ at: string; options: EnvironmentOptions }> = [],
): Problem[] {
  const problems: Problem[] = [];
  const hasRepository = options.repository !== undefined;
  const asked = hasRepository || options.environments !== undefined;
  // The project chose its parts from the options' environments (`addEnvironment()` comes after).
  const deployed = environments.slice(0, environments.length - added.length).filter((e) => e.deploy);
  const deploys = asked && deployed.length > 0;
  const flux = options.deployEngine === DeployEngine.FLUX;
  const argocdOn = !flux && deploys && (options.argocd ?? hasRepository);
  const fluxOn = flux && deploys && hasRepository;
  const signed = options.signImages !== false;
  const promotionOn = deploys && (options.promotion ?? (hasRepository && signed));
  // Why nothing is deployed, and how to turn it on.
  const noDeploy = !asked
    ? { why: 'no deployment part is written without repository (or environments)', fix: "set repository: 'my-org/my-repo'" }
    : { why: 'every environment has deploy: false', fix: 'set deploy: true on an environment' };

  for (const option of ['argocd', 'promotion'] as const) {
    if (option === 'argocd' && flux && options.argocd !== undefined) {
      problems.push({ option, message: `has no effect with deployEngine: DeployEngine.FLUX (Flux objects under deploy/flux/ deploy instead of Argo CD's), got ${show(options.argocd)}; remove argocd, or set deployEngine: DeployEngine.ARGO_CD` });
    } else if (options[option] === true && !deploys) {
      problems.push({ option, message: `is true, but nothing is deployed: ${noDeploy.why}; ${noDeploy.fix}, or remove ${option}` });
    }
  }
  const argocdOff = flux
    ? { why: 'deployEngine is DeployEngine.FLUX', fix: 'set deployEngine: DeployEngine.ARGO_CD' }
    : options.argocd === false
      ? { why: 'argocd is false', fix: 'set argocd: true' }
      : !deploys ? noDeploy : { why: 'Argo CD objects need repository (their source)', fix: "set repository: 'my-org/my-repo'" };
  if (options.argocdOptions !== undefined && !argocdOn) {
    problems.push({ option: 'argocdOptions', message: `has no effect: no Argo CD objects are written (${argocdOff.why}), got ${show(options.argocdOptions)}; ${argocdOff.fix}, or remove argocdOptions` });
  }
  const fluxOff = !flux
    ? { why: 'deployEngine is not DeployEngine.FLUX', fix: 'set deployEngine: DeployEngine.FLUX' }
    : !deploys ? noDeploy : { why: 'Flux objects need repository (their source)', fix: "set repository: 'my-org/my-repo'" };
  // deployEngine alone is a preference (a company template may set it for every repository): it
  // takes effect once something is deployed, as the default Argo CD does.
  if (options.fluxOptions !== undefined && !fluxOn) {
    problems.push({ option: 'fluxOptions', message: `has no effect: no Flux objects are written (${fluxOff.why}), got ${show(options.fluxOptions)}; ${fluxOff.fix}, or remove fluxOptions` });
  }
  const engineOn = flux ? fluxOn : argocdOn;
  const engineOff = flux ? { what: 'no Flux Kustomization applies anything', ...fluxOff } : { what: 'no Argo CD Application syncs anything', ...argocdOff };
  const promotionOff = options.promotion === false
    ? { why: 'promotion is false', fix: 'set promotion: true' }
    : !deploys ? noDeploy
      : !signed ? { why: 'promotion verifies signatures and signImages is false', fix: 'set signImages: true' }
        : { why: 'promotion needs repository', fix: "set repository: 'my-org/my-repo'" };
  // An environment added when nothing is deployed would write nothing, in silence.
  for (const { at, options: env } of added) {
    if (!deploys && env?.deploy !== false) {
      const name = show(env?.name);
      problems.push({
        option: at,
        message: !asked
          ? `adds an environment, but nothing is deployed: ${noDeploy.why}, got ${name}; ${noDeploy.fix}, or remove addEnvironment(${name})`
          : `adds an environment, but nothing is deployed: every environment of the environments option has deploy: false, and the project chooses its deployment part from them when it is built, got ${name}; set deploy: true on one of them, or write ${name} in environments instead of addEnvironment`,
      });
    }
  }
  const given = [...(options.environments ?? []).map((env, i) => ({ at: `environments[${i}]`, options: env })), ...added];
  given.forEach(({ at, options: env }) => {
    if (env?.autoMerge === true && !promotionOn) {
      problems.push({ option: `${at}.autoMerge`, message: `is true, but no promotion pull request is opened to merge (${promotionOff.why}); ${promotionOff.fix}, or remove autoMerge` });
    } else if (env?.autoMerge === true && env.deploy === false) {
      problems.push({ option: `${at}.autoMerge`, message: `is true, but environment ${show(env.name)} is not deployed (deploy: false), so nothing is promoted into it; remove autoMerge, or set deploy: true` });
    }
    if (env?.deploy === false) {
      // An environment that is off writes nothing: its settings would wait in silence.
      for (const field of ['autoSync', 'approvers', 'overrides', 'services'] as const) {
        if (env[field] === undefined) continue;
        problems.push({
          option: `${at}.${field}`,
          message: `has no effect: environment ${show(env.name)} is not deployed (deploy: false), got ${show(env[field])}; remove ${field}, or set deploy: true`,
        });
      }
    } else if (env?.autoSync !== undefined && !engineOn) {
      problems.push({ option: `${at}.autoSync`, message: `has no effect: ${engineOff.what} (${engineOff.why}), got ${show(env.autoSync)}; ${engineOff.fix}, or remove autoSync` });
    }
    // The gates that read deployment records: Argo CD notifications write them, Flux does not.
    if (flux && env?.gates?.soak !== undefined) {
      problems.push({
        option: `${at}.gates.soak`,
        message: `counts how long the digests ran healthy in the previous environment from its deployment records, which Argo CD notifications write and Flux does not (deployEngine: DeployEngine.FLUX): the soak would count from the merge alone and pass a deployment that never became healthy, got ${show(env.gates.soak)}; remove soak (windows and approvals work with Flux), or set deployEngine: DeployEngine.ARGO_CD`,
      });
    }
    if (flux && env?.gates?.requireHealthy === true) {
      problems.push({
        option: `${at}.gates.requireHealthy`,
        message: 'waits for the previous environment\'s deployment record to say \'success\', which Argo CD notifications write and Flux does not (deployEngine: DeployEngine.FLUX), so the gate would never pass, got true; remove requireHealthy (windows and approvals work with Flux), or set deployEngine: DeployEngine.ARGO_CD',
      });
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
