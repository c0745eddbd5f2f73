import { packageConfig } from "@mmsim/vitest-config";

export default packageConfig();
