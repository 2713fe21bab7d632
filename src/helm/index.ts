export { HelmChart } from './helm-chart';
export type { HelmChartOptions } from './helm-chart';
