/**
 * The configured weight of each track, recorded as a series by the model's route (a routing
 * object) so dashboards and the analysis gate can compare configured and observed traffic.
 */
export const ROUTE_WEIGHT_RECORD = "model_track:modelship_route_weight:percent";
