// The modelship-serving policy pack. Each policy lives in its own module; this file only
// assembles them. Run it in review with:
//   pulumi preview --stack production --policy-pack policies --policy-pack-config policies/production.json
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("modelship-serving", { policies: POLICIES });
