// Grafana dashboards of a model and of the fleet (pure), built with the Grafana Foundation SDK
// from the metrics contract and the recorded series.
export { dashboardAnnotations, dashboardPanels, dashboardQueries } from "./build";
export { fleetDashboard, type FleetDashboardArgs } from "./fleet";
export { dashboardPath, dashboardUid, fleetDashboardTitle, fleetDashboardUid, grafanaSlug, modelDashboardTitle, type DashboardHome } from "./identity";
export { atLeastTopBucket, modelDashboard, type ModelDashboardArgs } from "./model";
export { DASHBOARD_METRICS } from "./signals";
