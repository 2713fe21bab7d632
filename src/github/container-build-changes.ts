import { github } from 'projen';
import { ACTIONS, uses } from './actions';
import { BuildSettings, literal } from './container-build-steps';
import { CONTAINER_WORKFLOW } from '../model/layout';
import { Service } from '../model/service';

/** The name of the job (and of the status check) that lists the services a pull request changes. */
export const CHANGES_JOB_NAME = 'Changed services';

/**
 * Which services a pull request changed: a file under a service's folder changes that
 * service; any other file changes the service at the root (if there is one); a change to this
 * workflow changes them all. The script is the same for every project: the services come
 * from the step's environment (`SERVICE_COUNT`, `SERVICE_<i>_NAME`, `SERVICE_<i>_PATH`), so
 * no option text is ever part of it, and folders are compared as literal prefixes, not as
 * patterns. File names are read NUL-separated, so any name git allows is one file, and
 * printed so that none can pass for a workflow command.
 */
export const CHANGED_SERVICES_SCRIPT = [
  'list=$(mktemp)',
  'git diff --name-only -z "$BASE_SHA" "$HEAD_SHA" > "$list"',
  'mapfile -d \'\' -t changed < "$list"',
  // File names are the pull request's: one line each (%q), never at a line start, so none
  // can be read as a workflow command.
  'printf \'changed: %q\\n\' "${changed[@]}"',
  'names=()',
  'folders=()',
  'hit=()',
  'all=false',
  'for file in "${changed[@]}"; do',
  // A change to the workflow file rebuilds every service.
  `  if [ "$file" = ${CONTAINER_WORKFLOW.path} ]; then all=true; fi`,
  'done',
  'for ((i = 0; i < SERVICE_COUNT; i++)); do',
  '  name_var="SERVICE_${i}_NAME"',
  '  folder_var="SERVICE_${i}_PATH"',
  '  names+=("${!name_var}")',
  '  folders+=("${!folder_var}")',
  '  hit+=("$all")',
  '  # An output name is a line of $GITHUB_OUTPUT: nothing that could start another.',
  '  case ${names[i]} in',
  '    "" | *[!A-Za-z0-9_-]*) echo "::error title=Bad service name::service $i has a name that is not an output name"; exit 1 ;;',
  '  esac',
  'done',
  'for file in "${changed[@]}"; do',
  '  owner=-1',
  '  root=-1',
  '  length=0',
  '  for ((i = 0; i < ${#folders[@]}; i++)); do',
  '    folder=${folders[i]}',
  '    if [ "$folder" = . ]; then',
  '      root=$i',
  '    elif [[ $file == "$folder"/* ]] && ((${#folder} > length)); then',
  '      owner=$i',
  '      length=${#folder}',
  '    fi',
  '  done',
  '  if ((owner < 0)); then owner=$root; fi',
  '  if ((owner >= 0)); then hit[owner]=true; fi',
  'done',
  '{',
  '  for ((i = 0; i < ${#names[@]}; i++)); do',
  '    printf \'%s=%s\\n\' "${names[i]}" "${hit[i]}"',
  '  done',
  '} >> "$GITHUB_OUTPUT"',
].join('\n');

/** The environment the script reads the services from: option text as data. */
export function servicesEnv(all: Service[]): Record<string, string> {
  const env: Record<string, string> = { SERVICE_COUNT: String(all.length) };
  all.forEach((image, i) => {
    env[`SERVICE_${i}_NAME`] = literal(image.serviceName);
    env[`SERVICE_${i}_PATH`] = literal(image.context);
  });
  return env;
}

/** The job that tells each service's pull request build whether to run. */
export function changedServicesJob(all: Service[], settings: BuildSettings): github.workflows.Job {
  return {
    name: CHANGES_JOB_NAME,
    if: "github.event_name == 'pull_request'",
    runsOn: [settings.runsOn],
    timeoutMinutes: 10,
    permissions: { contents: github.workflows.JobPermission.READ },
    outputs: Object.fromEntries(all.map((i) => [i.serviceName, { stepId: 'diff', outputName: i.serviceName }])),
    steps: [
      { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false, 'fetch-depth': 0 } },
      {
        name: 'List the services this pull request changes',
        id: 'diff',
        env: {
          BASE_SHA: '${{ github.event.pull_request.base.sha }}',
          HEAD_SHA: '${{ github.event.pull_request.head.sha }}',
          ...servicesEnv(all),
        },
        run: CHANGED_SERVICES_SCRIPT,
      },
    ],
  };
}
