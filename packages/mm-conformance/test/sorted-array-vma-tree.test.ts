import { vmaTreeConformance, createSortedArrayVmaTree } from "@mmsim/mm-conformance";

vmaTreeConformance("sorted-array reference", createSortedArrayVmaTree);
