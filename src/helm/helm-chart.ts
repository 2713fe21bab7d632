import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Component, JsonFile, ObjectFile, Project } from 'projen';
import { parse } from 'yaml';
import { manifestStream, parseManifests } from './manifests';
import { renderChart, RenderedObject } from './render';
import { ChartValues, chartValues, environmentOptions, mergeValues, valuesDiff, valuesProblems, valuesSchema } from './values';
import { checkHelmReleaseName, checkServiceName, optionPath, show } from '../core/checks';
import { componentsOfType, indexComponent } from '../core/component-index';
import { describeFile, FileOwner } from '../core/file-catalog';
import { optionsProblems } from '../core/known-options';
import { parseForKubernetes, stringifyForKubernetes } from '../core/kube-yaml';
import { ManagedFile } from '../core/managed-file';
import { createAtSynthStart } from '../core/projen-adapter';
import { committedFiles } from '../core/sync';
import { readTemplate } from '../core/templates';
import { addValidation, Problem } from '../core/validation';
import { environmentPath, EnvironmentFacts, Environments, toDnsLabel } from '../model/environments';
import { IMAGES_FILE_LIMIT, ImagesEntry, ImagesRead, parseImagesText, readImagesFile } from '../model/images-file';
import { chartDir, imagesFile, renderedDir, renderedFile, valuesDir, valuesFile } from '../model/layout';
import { Service, checkDeployment, checkEffectiveDeployment, DeploymentLevel, isHost, serviceFacts, ServiceDeploymentOptions, ServiceFacts } from '../model/service';
import { ServiceManifests, serviceManifestsOf } from '../model/service-manifests';

/** The chart templates, copied verbatim (Helm's `{{ }}` never passes through handlebars). */
const TEMPLATES = ['_helpers.tpl', 'networkpolicy.yaml', 'poddisruptionbudget.yaml', 'serviceaccount.yaml', 'service.yaml', 'deployment.yaml', 'horizontalpodautoscaler.yaml', 'ingress.yaml', 'httproute.yaml'];
const HASH_ANNOTATION = 'projen-gitops.dev/content-hash';
/** Why the chart, its values and the rendered manifests cannot be handed over. */
const NO_HAND_OVER = 'the deploy check compares the rendered manifests, computed by synth, with what helm renders from the chart and the values, so a hand-kept copy of any of them fails that required check on every pull request';

/** Options for `HelmChart`. */
export interface HelmChartOptions extends ServiceDeploymentOptions {
  /** The service's image: its name, port, user and health path. */
  readonly image: Service;

  /**
   * Where, in `.projenrc.ts`, the deployment options were set (for error messages).
   * @default "deployment"
   */
  readonly optionPath?: string;
}

/**
 * A file that automation writes (the image digests an environment runs): synth writes it only
 * when it is missing, reads it on every synth, and never treats its changes as hand edits.
 */
class AutomationFile extends Component {
  private read?: ReturnType<typeof readImages>;
  /** The last text parsed and what it gave: the file is read again on every synth, and parsed again only when it changed. */
  private parsed?: { text: string; services: string; read: ImagesRead };
  private written = false;

  constructor(project: Project, public readonly filePath: string, private readonly env: string, private readonly initial: () => string) {
    super(project);
    indexComponent(this, AutomationFile);
  }

  /** The digests it pins and its problems, read once per synth. */
  images(): ReturnType<typeof readImages> {
    this.read ??= readImages(this.project, this.env, (text, services) => this.parse(text, services));
    return this.read;
  }

  private parse(text: string, services?: readonly string[]): ImagesRead {
    const key = JSON.stringify(services ?? null);
    if (this.parsed?.text !== text || this.parsed.services !== key) this.parsed = { text, services: key, read: parseImagesText(text, services) };
    return this.parsed.read;
  }

  preSynthesize() {
    this.read = undefined;
  }

  /** Whether the file was missing when this synth began (it is then written with empty digests). */
  get wasMissing(): boolean {
    return !fs.lstatSync(path.join(this.project.outdir, this.filePath), { throwIfNoEntry: false }) || this.written;
  }

  synthesize() {
    const target = path.join(this.project.outdir, this.filePath);
    if (fs.lstatSync(target, { throwIfNoEntry: false })) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, this.initial());
    this.written = true;
    // Deleted (not a new environment): the digests it held are gone; say which, from git.
    const committed = committedImages(this.project.outdir, this.filePath);
    const pinned = Object.entries(committed ?? {}).filter(([, e]) => e.digest).map(([s, e]) => `${s} (${e.digest.slice(0, 19)}...)`);
    if (pinned.length > 0) {
      this.project.logger.warn(`${this.filePath} was missing and is written again with empty digests: ${pinned.join(', ')} in ${this.env} now run the fallback tag instead of the digest committed in HEAD. If it was deleted by mistake: git checkout HEAD -- ${this.filePath} && npx projen`);
    }
  }
}

/** The entries of images.yaml committed in HEAD, if the repository is a git checkout that has it. */
function committedImages(root: string, file: string): Record<string, ImagesEntry> | undefined {
  const committed = spawnSync('git', ['show', `HEAD:./${file}`], { cwd: root, encoding: 'utf-8', maxBuffer: IMAGES_FILE_LIMIT * 2 });
  if (committed.status !== 0) return undefined;
  const parsed = parseImagesText(committed.stdout);
  return parsed.problem === undefined ? parsed.images : undefined;
}


/** A chart's facts for one synth: read once, reset in preSynthesize. */
interface ChartMemo {
  facts: ServiceFacts;
  values: ChartValues;
  /** The objects rendered per environment, with the images.yaml read they were rendered from. */
  rendered: Map<string, { images: unknown; objects: RenderedObject[] }>;
  valuesYaml?: string;
  /** Chart.yaml as committed at HEAD (`null`: not committed, or no git), read for every chart at once. */
  committedChart?: string | null;
}

/**
 * A Helm chart for one service under `deploy/charts/<service>/` (managed), its values per
 * environment under `deploy/environments/<env>/values/<service>.yaml` (managed), and what it
 * renders to per environment under `deploy/rendered/<env>/<service>.yaml` (managed, computed
 * without helm and proven equal to `helm template` by the tests). The image digests each
 * environment runs are in `deploy/environments/<env>/images.yaml`, written by automation. The
 * environments' files are made when the synth starts, so `Environments` may be added before or
 * after the chart.
 */
export class HelmChart extends ServiceManifests {
  /** Every chart of the project, in the order of their services (the one at the root first). */
  public static all(project: Project): HelmChart[] {
    return serviceManifestsOf(project).filter((m): m is HelmChart => m instanceof HelmChart);
  }

  /**
   * The chart of a service: the one named, or the main service's (at the root, else the first).
   */
  public static of(project: Project, service?: string): HelmChart | undefined {
    const charts = HelmChart.all(project);
    return service === undefined ? charts[0] : charts.find((c) => c.image.serviceName === service);
  }

  /** The service's image. */
  public readonly image: Service;
  /** The chart's folder. */
  public readonly chartDir: string;
  /**
   * The chart's `values.yaml` (escape hatch: `valuesFile.addOverride('resources.requests.cpu', '250m')`).
   * The rendered manifests and the chart's version follow an override; a key the chart does not
   * know fails `helm lint` and the deploy check (`values.schema.json` is closed).
   */
  public readonly valuesFile: ObjectFile;
  /** The chart's `Chart.yaml` (escape hatch: `chartFile.addOverride('annotations.team', 'payments')`). */
  public readonly chartFile: ObjectFile;

  /**
   * The options were walked already, as part of the project's own (`deployment`,
   * `services[1].deployment`, `addService('worker').deployment`): the chart does not report
   * their unknown keys and wrong types a second time.
   * @internal
   */
  public _optionsWalked = false;

  private readonly options: HelmChartOptions;
  private readonly deployment: ServiceDeploymentOptions;
  private memo?: ChartMemo;
  /** The images.yaml of each deployed environment. */
  private readonly imageFiles = new Map<string, AutomationFile>();
  /** values.yaml, typed as the class it is. */
  private readonly values_: ManagedFile;
  /** The values file of each deployed environment. */
  private readonly environmentFiles = new Map<string, ManagedFile>();

  constructor(project: Project, options: HelmChartOptions) {
    super(project);
    indexComponent(this, HelmChart);
    this.options = options;
    this.image = options.image;
    const { image: _image, optionPath: _path, ...deployment } = options;
    this.deployment = deployment;
    const name = this.image.serviceName;
    this.chartDir = chartDir(name);

    addValidation(project, () => this.validate());

    this.chartFile = ManagedFile.yaml(project, `${this.chartDir}/Chart.yaml`, {
      obj: () => this.chartYaml(),
      version: '1.1',
      header: () => ['Generated by projen-gitops from .projenrc.ts (managed): the version\'s patch follows the content hash.'],
    });
    this.values_ = ManagedFile.yaml(project, `${this.chartDir}/values.yaml`, {
      obj: () => this.values(),
      version: '1.1',
      header: () => [`The values of the ${this.image.serviceName} chart, generated by projen-gitops from .projenrc.ts (managed).`],
    });
    this.valuesFile = this.values_;
    new JsonFile(project, `${this.chartDir}/values.schema.json`, { obj: () => valuesSchema(this.values()), marker: false, newline: true, readonly: true });
    for (const template of TEMPLATES) {
      ManagedFile.text(project, `${this.chartDir}/templates/${template}`, () => readTemplate(`helm/chart/templates/${template}`), {
        noOverride: `a chart template is Helm's Go template text, copied verbatim; change what it renders through the chart's values (HelmChart.of(project, '${name}').valuesFile.addOverride(...)) or the options in .projenrc.ts`,
      });
    }
    describeFile(project, {
      path: `${this.chartDir}/`,
      owner: FileOwner.MANAGED,
      purpose: `The Helm chart of ${name}: Chart.yaml (its version follows its content), values.yaml, values.schema.json (closed: a misspelt key fails), and templates for the Deployment, Service, ServiceAccount, PodDisruptionBudget, NetworkPolicy, and optionally HorizontalPodAutoscaler, Ingress or HTTPRoute.`,
      change: 'Set the service\'s port, healthPath and uid, and its `deployment` options, in .projenrc.ts.',
      noHandOver: NO_HAND_OVER,
    });

    createAtSynthStart(project, () => this.createEnvironmentFiles());
  }

  /** The values and rendered manifests of each deployed environment, and its images.yaml (once for every chart). */
  private createEnvironmentFiles() {
    const project = this.project;
    const name = this.image.serviceName;
    const environments = Environments.of(project)?.deployed ?? [];
    // A repeated environment name is reported by Environments; its files are written once.
    for (const env of environments.filter((e, i) => environments.findIndex((o) => o.name === e.name) === i)) {
      this.environmentFiles.set(env.name, ManagedFile.yaml(project, valuesFile(env.name, name), {
        obj: () => this.environmentOverrides(env),
        version: '1.1',
        header: () => [`${this.image.serviceName} in ${env.name}: overrides of ${this.chartDir}/values.yaml, generated from .projenrc.ts (managed).`],
      }));
      ManagedFile.text(project, renderedFile(env.name, name), () => this.renderedYaml(env), {
        noOverride: `the rendered manifests are what helm renders from the chart and the environment's values (the deploy check compares them); override the chart's values instead (HelmChart.of(project, '${name}').valuesFile.addOverride(...)), and the rendered manifests follow`,
      });
      const existing = componentsOfType(project, AutomationFile).find((c) => c.filePath === imagesFile(env.name));
      if (existing) {
        this.imageFiles.set(env.name, existing);
      } else {
        // The first chart describes what the environment's folders hold for every service.
        describeFile(project, {
          path: `${valuesDir(env.name)}/`,
          owner: FileOwner.MANAGED,
          purpose: `What each service sets differently in ${env.name} (namespace ${env.namespace}): \`<service>.yaml\`, a Helm values file over its chart's values.yaml.`,
          change: `Set \`overrides\` or \`services\` of the '${env.name}' environment in .projenrc.ts.`,
          noHandOver: NO_HAND_OVER,
        });
        describeFile(project, {
          path: `${renderedDir(env.name)}/`,
          owner: FileOwner.MANAGED,
          purpose: `The Kubernetes objects of each service in ${env.name} (\`<service>.yaml\`), as \`helm template\` renders them (checked on every pull request): the diff shows what changes where.`,
          change: 'Follows the charts, the environment\'s values and its images.yaml on every synth; never by hand.',
          noHandOver: NO_HAND_OVER,
        });
        this.imageFiles.set(env.name, new AutomationFile(project, imagesFile(env.name), env.name, () => this.initialImagesYaml(env)));
        describeFile(project, {
          path: imagesFile(env.name),
          owner: FileOwner.AUTOMATION,
          purpose: `The image digest each service runs in ${env.name}, written by automation: promotion pull requests (until a promotion workflow is set up, a reviewed pull request that sets a digest by hand). A service without a digest runs the '${serviceFacts(project, this.image).fallbackTag}' tag. Synth reads it and never overwrites it.`,
          change: 'Merge the promotion pull request; to roll back, revert it. An edit by hand is allowed and is not a drift.',
        });
      }
    }
  }

  preSynthesize() {
    // Every component exists now: the facts are read once per synth (lookups walk the tree).
    this.memo = undefined;
  }

  /** The service's facts as the chart sees them. */
  private get facts(): ServiceFacts {
    return this.cached().facts;
  }

  private cached(): ChartMemo {
    if (!this.memo) {
      const facts = serviceFacts(this.project, this.image);
      this.memo = { facts, values: chartValues(this.project.name, facts, this.deployment), rendered: new Map() };
    }
    return this.memo;
  }

  /** The chart's typed values (a copy). */
  private values(): ChartValues {
    return structuredClone(this.cached().values);
  }

  /**
   * The values of one environment: the chart's, its overrides, and its image digest. Of the
   * environment's images.yaml only this service's entry is merged (the templates read no
   * other): merging every service's entry into every service's values made synth quadratic.
   */
  private environmentValues(env: EnvironmentFacts): ChartValues {
    const images = this.imageFiles.get(env.name)?.images().values.images ?? {};
    const name = this.image.serviceName;
    const own = Object.prototype.hasOwnProperty.call(images, name) ? { images: { [name]: images[name] } } : {};
    // An escape hatch changed a values file: render what helm reads from it (YAML 1.1), as the deploy check does.
    const environmentFile = this.environmentFiles.get(env.name);
    const base = this.values_.hasOverrides ? readBack(this.valuesText()) : this.cached().values;
    const overrides = environmentFile?.hasOverrides ? readBack(environmentFile.render() ?? '') : this.environmentOverrides(env);
    return mergeValues(base, overrides, own);
  }

  private environmentOverrides(env: EnvironmentFacts): Partial<ChartValues> {
    const options = environmentOptions(this.deployment, env, this.image.serviceName);
    return valuesDiff(this.cached().values, chartValues(this.project.name, this.facts, options));
  }

  /** values.yaml as written, overrides applied, once per synth (Chart.yaml's content hash and the rendered manifests read it). */
  private valuesText(): string {
    const memo = this.cached();
    memo.valuesYaml ??= this.values_.render() ?? '';
    return memo.valuesYaml;
  }

  private initialImagesYaml(env: EnvironmentFacts): string {
    const services = HelmChart.all(this.project).map((c) => c.image.serviceName);
    return [
      `# The image digest each service runs in ${env.name}: written by automation (promotion pull requests).`,
      '# synth reads this file and never overwrites it; an empty digest runs the fallback tag.',
      stringifyForKubernetes({ images: Object.fromEntries(services.map((s) => [s, { digest: '' }])) }),
    ].join('\n');
  }

  /**
   * The `group/kind` of every object the chart renders in an environment (the Argo CD
   * project's resource whitelist reads them).
   * @internal
   */
  public _renderedKinds(env: EnvironmentFacts): string[] {
    const objects = this.rendered(env);
    // The API group: `apps` of `apps/v1`, empty for the core `v1`.
    return objects.map((o) => `${String(o.object.apiVersion).split('/').slice(0, -1).join('/')}/${o.object.kind}`);
  }

  /**
   * What the chart renders in an environment, once per synth: the rendered manifests and the
   * Argo CD project's resource whitelist both read it (again if images.yaml was read again).
   */
  private rendered(env: EnvironmentFacts): RenderedObject[] {
    const memo = this.cached().rendered;
    const images = this.imageFiles.get(env.name)?.images();
    const known = memo.get(env.name);
    if (known && known.images === images) return known.objects;
    const name = this.image.serviceName;
    const objects = renderChart(this.environmentValues(env), { name, namespace: env.namespace, chartName: name, appVersion: this.facts.fallbackTag });
    memo.set(env.name, { images, objects });
    return objects;
  }

  private renderedYaml(env: EnvironmentFacts): string {
    const name = this.image.serviceName;
    const objects = this.rendered(env);
    const text = manifestStream([
      `What \`helm template ${name} ${this.chartDir} --namespace ${env.namespace} -f ${valuesFile(env.name, name)} -f ${imagesFile(env.name)}\` renders.`,
      'Generated by projen-gitops (managed): change .projenrc.ts, or let the promotion pull requests change images.yaml.',
    ], objects);
    // Every digest synth changes is said: a promotion's pull request carries its rendered
    // files, so a change here comes from an edited, renamed or deleted images.yaml. The file on
    // disk is parsed only when its text differs (the same text runs the same image).
    const onDisk = readText(path.join(this.project.outdir, renderedFile(env.name, name)));
    if (onDisk === undefined || onDisk === text) return text;
    const before = renderedImage(onDisk);
    const after = deploymentImage(objects.map((o) => o.object));
    if (before && after && before !== after && (before.includes('@') || after.includes('@'))) {
      const why = after.includes('@') ? `${imagesFile(env.name)} pins it` : `${imagesFile(env.name)} has no digest for ${name}: it runs the fallback tag${this.imageFiles.get(env.name)?.wasMissing ? ' (the file was missing and is written again with empty digests; to restore it: git checkout HEAD -- ' + imagesFile(env.name) + ')' : ''}`;
      this.project.logger.warn(`${name} in ${env.name}: the image changes from ${before} to ${after} (${why})`);
    }
    return text;
  }

  /** Chart.yaml's object: the version's patch is bumped whenever the chart's content hash changes. */
  private chartYaml(): object {
    const name = this.image.serviceName;
    const appVersion = this.facts.fallbackTag;
    const description = `The ${name} service of ${this.project.name}, generated by projen-gitops.`;
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ name, appVersion, description }));
    hash.update(this.valuesText());
    hash.update(JSON.stringify(valuesSchema(this.values())));
    for (const t of TEMPLATES) hash.update(readTemplate(`helm/chart/templates/${t}`));
    const contentHash = hash.digest('hex').slice(0, 16);
    // Against the committed Chart.yaml when there is one: a change and its revert give back the
    // committed version, however many synths ran in between (the file on disk only outside git).
    const file = `${this.chartDir}/Chart.yaml`;
    const known = this.committedChart() ?? readText(path.join(this.project.outdir, file));
    const previous = known === undefined ? undefined : chartOf(known);
    return {
      apiVersion: 'v2',
      name,
      description,
      type: 'application',
      version: previous?.hash === contentHash ? previous.version : bump(previous?.version),
      appVersion,
      kubeVersion: '>=1.29.0-0',
      annotations: { [HASH_ANNOTATION]: contentHash },
    };
  }

  /**
   * Chart.yaml as committed at HEAD, once per synth. The first chart to ask reads every chart's
   * with one git process: a process per chart cost more than the rest of the chart's synth.
   */
  private committedChart(): string | undefined {
    const memo = this.cached();
    if (memo.committedChart === undefined) {
      const charts = HelmChart.all(this.project).filter((c) => c.cached().committedChart === undefined);
      if (!charts.includes(this)) charts.push(this);
      const texts = committedFiles(this.project.outdir, charts.map((c) => `${c.chartDir}/Chart.yaml`));
      for (const chart of charts) chart.cached().committedChart = texts.get(`${chart.chartDir}/Chart.yaml`) ?? null;
    }
    return memo.committedChart ?? undefined;
  }

  /**
   * The levels of deployment options the service gets in an environment, least specific first.
   * @internal
   */
  public _levelsIn(env: EnvironmentFacts): DeploymentLevel[] {
    return [
      { at: this.optionAt(), options: this.deployment },
      { at: `${environmentPath(this.project, env.order)}.overrides`, options: env.overrides },
      { at: optionPath(`${environmentPath(this.project, env.order)}.services`, this.image.serviceName), options: env.services[this.image.serviceName] ?? {} },
    ];
  }

  /** The option path of the chart's own deployment options (`deployment`, `services[1].deployment`). */
  private optionAt(): string {
    return this.options.optionPath ?? (this.image._optionPath ? `${this.image._optionPath}.deployment` : 'deployment');
  }

  /**
   * The host the service is exposed at in an environment, and the options level that set it.
   * @internal
   */
  public _hostIn(env: EnvironmentFacts): { host?: string; where: string } {
    const own = env.services[this.image.serviceName];
    const at = this.optionAt();
    const where = own?.host !== undefined ? optionPath(`${environmentPath(this.project, env.order)}.services`, this.image.serviceName) : env.overrides.host !== undefined ? `${environmentPath(this.project, env.order)}.overrides` : at;
    return { host: environmentOptions(this.deployment, env, this.image.serviceName).host, where };
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const at = this.optionAt();
    const name = this.image.serviceName;
    // The name's own grammar (a DNS label and a job id) is the service's to report (ContainerImage).
    const nameOption = this.image.context === '.' ? (this.image.serviceName === this.project.name ? 'name' : 'serviceName') : `${at.replace(/\.deployment$/, '')}.name`;
    // The service is the Helm release: `helm template` and Argo CD refuse a release name over 53.
    const releaseProblem = checkServiceName(name) ? undefined : checkHelmReleaseName(name);
    if (releaseProblem) problems.push({ option: nameOption, message: `names the Helm release, so ${releaseProblem.replace(/; try '.*'$/, `; try '${name.slice(0, 53).replace(/-+$/, '')}'`)}` });
    if (!this.facts.imageRepository) {
      problems.push({
        option: 'repository',
        message: `is needed to name the image of '${name}' in its Helm chart at synth time, got none; set repository: 'my-org/${this.project.name}' (or imageName of the service), or turn the deployment off with environments whose deploy is false`,
      });
    }
    problems.push(...checkDeployment(at, this.deployment));
    // An escape hatch on values.yaml: what helm lint would refuse, before any file is written.
    if (this.values_.hasOverrides) {
      const schema = valuesSchema(this.values());
      for (const p of valuesProblems(schema, this.values_.resolvedObject(), this.values())) {
        problems.push({ option: `HelmChart.of(project, '${name}').valuesFile (${this.values_.path}): ${p.key}`, message: p.message });
      }
    }
    if (!this._optionsWalked) problems.push(...optionsProblems('projen-gitops.ServiceDeploymentOptions', this.deployment, 'ServiceDeploymentOptions', at));
    // The environments' levels are checked by Environments, once for every service; what they
    // make together with each service's own options, once for all charts, by the first.
    // Each images.yaml is reported by the chart that created it, once.
    const charts = HelmChart.all(this.project);
    if (charts[0] === this) {
      problems.push(...effectiveProblems(charts));
      problems.push(...hostClaims(charts));
      for (const file of this.imageFiles.values()) problems.push(...file.images().problems);
      const names = charts.map((c) => c.image.serviceName);
      for (const env of Environments.of(this.project)?.all ?? []) {
        for (const service of Object.keys(env.services).filter((s) => !names.includes(s))) {
          problems.push({ option: optionPath(`${environmentPath(this.project, env.order)}.services`, service), message: `names no service, got '${service}'; use one of ${names.map((n) => `'${n}'`).join(', ')}` });
        }
      }
    }
    return problems;
  }
}

/**
 * What each service gets in each deployed environment, all levels merged: the API server's
 * cross-field rules, for options whose own value is fine (a value outside its grammar is
 * reported as that). A rule broken by an option every service shares (an environment's
 * `overrides`) is one problem naming every service it reaches.
 */
function effectiveProblems(charts: HelmChart[]): Problem[] {
  const found = new Map<string, { option: string; message: string; services: string[] }>();
  const SERVICES = '\u0000';
  for (const env of charts[0] ? Environments.of(charts[0].project)?.deployed ?? [] : []) {
    for (const chart of charts) {
      const levels = chart._levelsIn(env);
      const refused = new Set(levels.flatMap((level) => checkDeployment(level.at, level.options)).map((p) => p.option));
      for (const p of checkEffectiveDeployment(levels, `${SERVICES} in ${env.name}`).filter((q) => !refused.has(q.option))) {
        const key = `${p.option}\u0000${p.message}`;
        const same = found.get(key) ?? { ...p, services: [] };
        same.services.push(`'${chart.image.serviceName}'`);
        found.set(key, same);
      }
    }
  }
  return [...found.values()].map(({ option, message, services }) => ({ option, message: message.replace(SERVICES, listed(services)) }));
}

/** `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`. */
function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * One service per Ingress or HTTPRoute host on a cluster: two services serving the same host
 * with path `/` make the ingress controller pick one of them.
 */
function hostClaims(charts: HelmChart[]): Problem[] {
  const problems: Problem[] = [];
  const claims = new Map<string, string>();
  // An environment's `overrides.host` is every service's: one problem, with a host per service as the fix.
  const shared = new Map<string, { env: EnvironmentFacts; host: string; first: string; others: string[] }>();
  for (const env of charts[0] ? Environments.of(charts[0].project)?.deployed ?? [] : []) {
    for (const chart of charts) {
      const { host, where } = chart._hostIn(env);
      // A host outside its grammar is reported as that (its fix would carry the bad host along).
      if (host === undefined || !isHost(host)) continue;
      const key = `${env.cluster.toLowerCase().replace(/\/+$/, '')}\0${host}`;
      const claimant = `'${chart.image.serviceName}' in ${env.name}`;
      const other = claims.get(key);
      if (other === undefined) {
        claims.set(key, claimant);
      } else if (!other.startsWith(`'${chart.image.serviceName}' `)) {
        // One service on one host in several environments of a cluster is the user's layout (the default: one cluster); two services are not.
        const fix = `${toDnsLabel(`${chart.image.serviceName}-${env.name}`, 'app')}.${host.replace(/^\*\./, '')}`;
        if (where === `${environmentPath(charts[0].project, env.order)}.overrides`) {
          const group = shared.get(`${where}\0${key}`) ?? { env, host, first: other.replace(/ in [^']*$/, ''), others: [] };
          group.others.push(chart.image.serviceName);
          shared.set(`${where}\0${key}`, group);
          continue;
        }
        problems.push({ option: `${where}.host`, message: `gives ${claimant} the host ${show(host)}, which ${other} already serves on the same cluster (the ingress controller would route it to one of them); try '${fix}'` });
      }
    }
  }
  for (const [key, { env, host, first, others }] of shared) {
    const where = key.split('\0')[0];
    const hosts = others.map((service) => `${/^[A-Za-z_$][\w$]*$/.test(service) ? service : show(service)}: { host: '${toDnsLabel(`${service}-${env.name}`, 'app')}.${host.replace(/^\*\./, '')}' }`);
    problems.push({
      option: `${where}.host`,
      message: `gives ${listed([first, ...others.map((s) => `'${s}'`)])} in ${env.name} the host ${show(host)} on the same cluster (the ingress controller would route it to one of them); give the others a host of their own: ${environmentPath(charts[0].project, env.order)}.services: { ${hosts.join(', ')} }`,
    });
  }
  return problems;
}

/**
 * The digests an environment's images.yaml pins, and its problems (the file is read on every
 * call; `parseText` parses it).
 */
export function readImages(
  project: Project,
  env: string,
  parseText = parseImagesText,
): { values: { images: Record<string, { digest: string }> }; problems: Problem[] } {
  const file = imagesFile(env);
  const services = HelmChart.all(project).map((c) => c.image.serviceName);
  const read = readImagesFile(project.outdir, file, services, parseText);
  if (!read) return { values: { images: {} }, problems: [] };
  if (read.problem !== undefined) return { values: { images: {} }, problems: [{ option: file, message: read.problem.replace('<file>', file) }] };
  return { values: { images: Object.fromEntries(Object.entries(read.images).map(([s, e]) => [s, { digest: e.digest }])) }, problems: [] };
}

/** The image of the Deployment among rendered objects. */
function deploymentImage(objects: any[]): string | undefined {
  const image = objects.find((o) => o?.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0]?.image;
  return typeof image === 'string' ? image : undefined;
}

/** A file's text, or `undefined` if it cannot be read. */
function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf-8');
  } catch {
    return undefined;
  }
}

/** The image of the Deployment in a rendered file's text (what the environment runs now), if any. */
function renderedImage(text: string): string | undefined {
  try {
    return deploymentImage(parseManifests(text));
  } catch {
    return undefined;
  }
}

/** What helm reads from a values file's text (YAML 1.1), an empty map for an empty file. */
function readBack(text: string): any {
  return parseForKubernetes(text)[0] ?? {};
}

/**
 * The version and content hash of a Chart.yaml's text: read off the lines synth writes (no YAML
 * parse: a few hundred charts read theirs on every synth), else parsed.
 */
function chartOf(text: string): { version: string; hash?: string } | undefined {
  const version = /^version: (\d+\.\d+\.\d+)$/m.exec(text)?.[1];
  const hash = /^ {2}projen-gitops\.dev\/content-hash: ([0-9a-f]+)$/m.exec(text)?.[1];
  if (version !== undefined && hash !== undefined) return { version, hash };
  try {
    const doc = parse(text);
    return typeof doc?.version === 'string' ? { version: doc.version, hash: doc.annotations?.[HASH_ANNOTATION] } : undefined;
  } catch {
    return undefined;
  }
}

/** The next patch version, or 0.1.0 for a chart without a valid one. */
function bump(version: string | undefined): string {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version ?? '');
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '0.1.0';
}
