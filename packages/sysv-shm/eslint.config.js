export { default } from "@mmsim/eslint-config";
