import { Component, JsonFile, Project } from 'projen';
import { describeFile, FileOwner } from '../core/file-catalog';
import { createAtSynthStart } from '../core/projen-adapter';
import { TOOLING_INSTALL } from '../model/repository';
import { Upgrades } from '../model/upgrades';

/** The commands Renovate runs after a bump: synth until stable (two rounds suffice for a release). */
export const RENOVATE_POST_UPGRADE = [TOOLING_INSTALL, 'npx projen', 'npx projen'];

/**
 * `renovate.json` for teams that run self-hosted Renovate as the fleet engine: Renovate bumps
 * only the template (or projen-gitops) here, after the ring's waiting days
 * (`minimumReleaseAge`), and re-synthesizes as a post-upgrade task, so its pull request passes
 * the drift check. The self-hosted global configuration must allow the commands
 * (`allowedCommands`); the other dependencies stay with Dependabot. Written only when the
 * project has `Upgrades` (the package, ring and waiting days), looked up when the synth starts.
 */
export class RenovateConfig extends Component {
  /** The project's RenovateConfig, if it has one. */
  public static of(project: Project): RenovateConfig | undefined {
    return project.components.find((c): c is RenovateConfig => c instanceof RenovateConfig);
  }

  constructor(project: Project) {
    super(project);
    createAtSynthStart(project, () => this.create());
  }

  private create() {
    const project = this.project;
    const upgrades = Upgrades.of(project);
    if (!upgrades) return;
    const { package: pkg, ring, waitDays } = upgrades.facts;
    const packages = [...new Set([pkg, 'projen-gitops'])];
    new JsonFile(project, 'renovate.json', {
      obj: {
        $schema: 'https://docs.renovatebot.com/renovate-schema.json',
        description: `projen-gitops upgrades (ring ${ring}): written by synth; change the ring in .projenrc.ts`,
        enabledManagers: ['npm'],
        packageRules: [
          // Dependabot keeps the rest current; Renovate upgrades what needs a re-synthesis.
          { matchPackageNames: ['*'], enabled: false },
          {
            description: `The template and projen-gitops, ${waitDays} days after a release (ring ${ring}), re-synthesized`,
            matchPackageNames: packages,
            enabled: true,
            groupName: 'projen-gitops upgrade',
            rangeStrategy: 'bump',
            ...(waitDays > 0 ? { minimumReleaseAge: `${waitDays} days`, internalChecksFilter: 'strict' } : {}),
            postUpgradeTasks: { commands: RENOVATE_POST_UPGRADE, executionMode: 'branch' },
          },
        ],
      },
      newline: true,
      // Renovate refuses unknown keys: projen's "//" marker would be one (`description` says it instead).
      marker: false,
    });
    describeFile(project, {
      path: 'renovate.json',
      owner: FileOwner.MANAGED,
      purpose: `Self-hosted Renovate bumps ${pkg} ${waitDays} days after a release (ring ${ring}) and re-synthesizes.`,
      change: 'Set `ring` (or `renovate: false`) in .projenrc.ts; the Renovate global config must allow the post-upgrade commands.',
    });
  }
}
