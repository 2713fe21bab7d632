import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { Component, FileBase, IResolver, JsonFile, Project } from 'projen';
import { parse, stringify } from 'yaml';
import { manifestStream } from './manifests';
import { renderChart, RenderedObject } from './render';
import { ChartValues, chartValues, DIGEST_PATTERN, environmentOptions, mergeValues, valuesDiff, valuesSchema } from './values';
import { ContainerImage } from '../container/container-image';
import { componentsOfType, indexComponent } from '../core/component-index';
import { describeFile, FileOwner } from '../core/file-catalog';
import { unknownOptions } from '../core/known-options';
import { readTemplate } from '../core/templates';
import { addValidation, Problem } from '../core/validation';
import { checkDnsLabel, EnvironmentFacts, Environments } from '../model/environments';
import { checkDeployment, serviceFacts, ServiceDeploymentOptions, ServiceFacts } from '../model/service';

/** Where the deployment lives in a generated repository. */
export const DEPLOY_DIR = 'deploy';
/** The chart templates, copied verbatim (Helm's `{{ }}` never passes through handlebars). */
const TEMPLATES = ['_helpers.tpl', 'networkpolicy.yaml', 'poddisruptionbudget.yaml', 'serviceaccount.yaml', 'service.yaml', 'deployment.yaml', 'horizontalpodautoscaler.yaml', 'ingress.yaml', 'httproute.yaml'];
const HASH_ANNOTATION = 'projen-gitops.dev/content-hash';

/** Options for `HelmChart`. */
export interface HelmChartOptions extends ServiceDeploymentOptions {
  /** The service's image: its name, port, user and health path. */
  readonly image: ContainerImage;

  /**
   * Where, in `.projenrc.ts`, the deployment options were set (for error messages).
   * @default "deployment"
   */
  readonly optionPath?: string;
}

/** A managed text file whose content is computed when it is written. */
class ComputedFile extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly content: () => string) {
    super(scope, filePath, { marker: false });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    return this.content();
  }
}

/**
 * A file that automation writes (the image digests an environment runs): synth writes it only
 * when it is missing, reads it on every synth, and never treats its changes as hand edits.
 */
class AutomationFile extends Component {
  private read?: ReturnType<typeof readImages>;

  constructor(project: Project, public readonly filePath: string, private readonly env: string, private readonly initial: () => string) {
    super(project);
    indexComponent(this, AutomationFile);
  }

  /** The digests it pins and its problems, read once per synth. */
  images(): ReturnType<typeof readImages> {
    this.read ??= readImages(this.project, this.env);
    return this.read;
  }

  preSynthesize() {
    this.read = undefined;
  }

  synthesize() {
    const target = path.join(this.project.outdir, this.filePath);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, this.initial());
  }
}

/** `deploy/environments/<env>/images.yaml`, relative to the repository root. */
export function imagesFile(env: string): string {
  return `${DEPLOY_DIR}/environments/${env}/images.yaml`;
}

/** A chart's facts for one synth: read once, reset in preSynthesize. */
interface ChartMemo {
  facts: ServiceFacts;
  values: ChartValues;
  /** The objects rendered per environment, with the images.yaml read they were rendered from. */
  rendered: Map<string, { images: unknown; objects: RenderedObject[] }>;
  valuesYaml?: string;
}

/**
 * A Helm chart for one service under `deploy/charts/<service>/` (managed), its values per
 * environment under `deploy/environments/<env>/values/<service>.yaml` (managed), and what it
 * renders to per environment under `deploy/rendered/<env>/<service>.yaml` (managed, computed
 * without helm and proven equal to `helm template` by the tests). The image digests each
 * environment runs are in `deploy/environments/<env>/images.yaml`, written by automation.
 */
export class HelmChart extends Component {
  /** Every chart of the project. */
  public static all(project: Project): HelmChart[] {
    return componentsOfType(project, HelmChart);
  }

  /** The service's image. */
  public readonly image: ContainerImage;
  /** The chart's folder. */
  public readonly chartDir: string;

  private readonly options: HelmChartOptions;
  private readonly deployment: ServiceDeploymentOptions;
  private memo?: ChartMemo;
  /** The images.yaml of each deployed environment. */
  private readonly imageFiles = new Map<string, AutomationFile>();

  constructor(project: Project, options: HelmChartOptions) {
    super(project);
    indexComponent(this, HelmChart);
    this.options = options;
    this.image = options.image;
    const { image: _image, optionPath: _path, ...deployment } = options;
    this.deployment = deployment;
    const name = this.image.serviceName;
    this.chartDir = `${DEPLOY_DIR}/charts/${name}`;
    const environments = Environments.of(project)?.deployed ?? [];

    addValidation(project, () => this.validate());

    new ComputedFile(project, `${this.chartDir}/Chart.yaml`, () => this.chartYaml());
    new ComputedFile(project, `${this.chartDir}/values.yaml`, () => this.valuesYaml());
    new JsonFile(project, `${this.chartDir}/values.schema.json`, { obj: () => valuesSchema(this.values()), marker: false, newline: true, readonly: true });
    for (const template of TEMPLATES) {
      new ComputedFile(project, `${this.chartDir}/templates/${template}`, () => readTemplate(`helm/chart/templates/${template}`));
    }
    describeFile(project, {
      path: `${this.chartDir}/`,
      owner: FileOwner.MANAGED,
      purpose: `The Helm chart of ${name}: Chart.yaml (its version follows its content), values.yaml, values.schema.json (closed: a misspelt key fails), and templates for the Deployment, Service, ServiceAccount, PodDisruptionBudget, NetworkPolicy, and optionally HorizontalPodAutoscaler, Ingress or HTTPRoute.`,
      change: 'Set the service\'s port, healthPath and uid, and its `deployment` options, in .projenrc.ts.',
    });

    // A repeated environment name is reported by Environments; its files are written once.
    for (const env of environments.filter((e, i) => environments.findIndex((o) => o.name === e.name) === i)) {
      const valuesFile = `${DEPLOY_DIR}/environments/${env.name}/values/${name}.yaml`;
      new ComputedFile(project, valuesFile, () => this.environmentValuesYaml(env));
      const rendered = `${DEPLOY_DIR}/rendered/${env.name}/${name}.yaml`;
      new ComputedFile(project, rendered, () => this.renderedYaml(env));
      const existing = componentsOfType(project, AutomationFile).find((c) => c.filePath === imagesFile(env.name));
      if (existing) {
        this.imageFiles.set(env.name, existing);
      } else {
        // The first chart describes what the environment's folders hold for every service.
        describeFile(project, {
          path: `${DEPLOY_DIR}/environments/${env.name}/values/`,
          owner: FileOwner.MANAGED,
          purpose: `What each service sets differently in ${env.name} (namespace ${env.namespace}): \`<service>.yaml\`, a Helm values file over its chart's values.yaml.`,
          change: `Set \`overrides\` or \`services\` of the '${env.name}' environment in .projenrc.ts.`,
        });
        describeFile(project, {
          path: `${DEPLOY_DIR}/rendered/${env.name}/`,
          owner: FileOwner.MANAGED,
          purpose: `The Kubernetes objects of each service in ${env.name} (\`<service>.yaml\`), as \`helm template\` renders them (checked on every pull request): the diff shows what changes where.`,
          change: 'Follows the charts, the environment\'s values and its images.yaml on every synth; never by hand.',
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
    return mergeValues(this.cached().values, this.environmentOverrides(env), own);
  }

  private environmentOverrides(env: EnvironmentFacts): Partial<ChartValues> {
    const options = environmentOptions(this.deployment, env, this.image.serviceName);
    return valuesDiff(this.cached().values, chartValues(this.project.name, this.facts, options));
  }

  /** values.yaml, once per synth (the file and Chart.yaml's content hash both read it). */
  private valuesYaml(): string {
    const memo = this.cached();
    memo.valuesYaml ??= `# The values of the ${this.image.serviceName} chart, generated by projen-gitops from .projenrc.ts (managed).\n${stringify(this.values(), { lineWidth: 0 })}`;
    return memo.valuesYaml;
  }

  private environmentValuesYaml(env: EnvironmentFacts): string {
    const overrides = this.environmentOverrides(env);
    const body = Object.keys(overrides).length === 0 ? '{}\n' : stringify(overrides, { lineWidth: 0 });
    return `# ${this.image.serviceName} in ${env.name}: overrides of ${this.chartDir}/values.yaml, generated from .projenrc.ts (managed).\n${body}`;
  }

  private initialImagesYaml(env: EnvironmentFacts): string {
    const services = HelmChart.all(this.project).map((c) => c.image.serviceName);
    return [
      `# The image digest each service runs in ${env.name}: written by automation (promotion pull requests).`,
      '# synth reads this file and never overwrites it; an empty digest runs the fallback tag.',
      stringify({ images: Object.fromEntries(services.map((s) => [s, { digest: '' }])) }, { lineWidth: 0 }),
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
    return manifestStream([
      `What \`helm template ${name} ${this.chartDir} --namespace ${env.namespace} -f ${DEPLOY_DIR}/environments/${env.name}/values/${name}.yaml -f ${imagesFile(env.name)}\` renders.`,
      'Generated by projen-gitops (managed): change .projenrc.ts, or let the promotion pull requests change images.yaml.',
    ], objects);
  }

  /** Chart.yaml: the version's patch is bumped whenever the chart's content hash changes. */
  private chartYaml(): string {
    const name = this.image.serviceName;
    const appVersion = this.facts.fallbackTag;
    const description = `The ${name} service of ${this.project.name}, generated by projen-gitops.`;
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ name, appVersion, description }));
    hash.update(this.valuesYaml());
    hash.update(JSON.stringify(valuesSchema(this.values())));
    for (const t of TEMPLATES) hash.update(readTemplate(`helm/chart/templates/${t}`));
    const contentHash = hash.digest('hex').slice(0, 16);
    const previous = previousChart(path.join(this.project.outdir, this.chartDir, 'Chart.yaml'));
    const version = previous?.hash === contentHash ? previous.version : bump(previous?.version);
    return `# Generated by projen-gitops from .projenrc.ts (managed): the version's patch follows the content hash.\n${stringify({
      apiVersion: 'v2',
      name,
      description,
      type: 'application',
      version,
      appVersion,
      kubeVersion: '>=1.29.0-0',
      annotations: { [HASH_ANNOTATION]: contentHash },
    }, { lineWidth: 0 })}`;
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const at = this.options.optionPath ?? (this.image._optionPath ? `${this.image._optionPath}.deployment` : 'deployment');
    const name = this.image.serviceName;
    const nameProblem = checkDnsLabel(name, 'orders');
    if (nameProblem) problems.push({ option: this.image.context === '.' ? 'name' : `${at.replace(/\.deployment$/, '')}.name`, message: `${nameProblem} (it names the Kubernetes Service)` });
    if (!this.facts.imageRepository) {
      problems.push({
        option: 'repository',
        message: `is needed to name the image of '${name}' in its Helm chart at synth time, got none; set repository: 'my-org/${this.project.name}' (or imageName of the service), or turn the deployment off with environments whose deploy is false`,
      });
    }
    problems.push(...checkDeployment(at, this.deployment));
    problems.push(...unknownOptions('projen-gitops.ServiceDeploymentOptions', this.deployment, 'ServiceDeploymentOptions').map((p) => ({ ...p, option: `${at}.${p.option}` })));
    for (const env of Environments.of(this.project)?.all ?? []) {
      const i = env.order;
      problems.push(...checkDeployment(`environments[${i}].overrides`, env.overrides));
      const own = env.services[name];
      if (own) problems.push(...checkDeployment(`environments[${i}].services.${name}`, own));
    }
    // Each images.yaml is reported by the chart that created it, once.
    const charts = HelmChart.all(this.project);
    if (charts[0] === this) {
      for (const file of this.imageFiles.values()) problems.push(...file.images().problems);
      const names = charts.map((c) => c.image.serviceName);
      for (const env of Environments.of(this.project)?.all ?? []) {
        for (const service of Object.keys(env.services).filter((s) => !names.includes(s))) {
          problems.push({ option: `environments[${env.order}].services.${service}`, message: `names no service, got '${service}'; use one of ${names.map((n) => `'${n}'`).join(', ')}` });
        }
      }
    }
    return problems;
  }
}

/** The digests an environment's images.yaml pins, and its problems (the file is read on every call). */
export function readImages(project: Project, env: string): { values: { images: Record<string, { digest: string }> }; problems: Problem[] } {
  const file = imagesFile(env);
  const target = path.join(project.outdir, file);
  const bad = (message: string) => ({ values: { images: {} }, problems: [{ option: file, message }] });
  if (!fs.existsSync(target)) return { values: { images: {} }, problems: [] };
  let doc: any;
  try {
    doc = parse(fs.readFileSync(target, 'utf-8'));
  } catch (e) {
    return bad(`is not valid YAML (${(e as Error).message.split('\n')[0]}); fix it, or delete it to have it written again with empty digests`);
  }
  const images = doc?.images ?? {};
  if (typeof doc !== 'object' || doc === null || Object.keys(doc).some((k) => k !== 'images') || typeof images !== 'object' || Array.isArray(images)) {
    return bad(`must hold only 'images:' with a digest per service, got ${JSON.stringify(doc)}; try 'images: { orders: { digest: "" } }'`);
  }
  const pattern = new RegExp(DIGEST_PATTERN);
  for (const [service, entry] of Object.entries<any>(images)) {
    const keys = entry && typeof entry === 'object' ? Object.keys(entry) : [];
    if (keys.length !== 1 || keys[0] !== 'digest' || typeof entry.digest !== 'string' || !pattern.test(entry.digest)) {
      return bad(`images.${service} must be { digest: 'sha256:<64 hex digits>' } or an empty digest, got ${JSON.stringify(entry)}; try { digest: "" }`);
    }
  }
  return { values: { images }, problems: [] };
}

function previousChart(file: string): { version: string; hash?: string } | undefined {
  try {
    const doc = parse(fs.readFileSync(file, 'utf-8'));
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
