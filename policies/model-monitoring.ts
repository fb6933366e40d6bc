import type { StackValidationPolicy } from "@pulumi/policy";
import { isServingDeployment, kindOf } from "./kube";

const modelOf = (props: Record<string, any>): string | undefined => props.metadata?.labels?.["app.kubernetes.io/name"];

/** A model nobody watches fails silently: every served model has alerts and a dashboard. */
export const modelHasMonitoring: StackValidationPolicy = {
  name: "model-has-monitoring",
  description: "Every served model has a PrometheusRule and a Grafana dashboard ConfigMap.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const models = new Set(args.resources.filter((r) => isServingDeployment(r.type, r.props)).map((r) => modelOf(r.props)).filter((m): m is string => !!m));
    for (const model of models) {
      const mine = args.resources.filter((r) => modelOf(r.props) === model && r.props.metadata?.labels?.["app.kubernetes.io/component"] === "monitoring");
      if (!mine.some((r) => kindOf(r.type) === "PrometheusRule")) reportViolation(`model ${model}: no PrometheusRule (alerts)`);
      if (!mine.some((r) => kindOf(r.type) === "ConfigMap" && r.props.metadata?.labels?.grafana_dashboard === "1")) reportViolation(`model ${model}: no dashboard ConfigMap (label grafana_dashboard: "1")`);
    }
  },
};
