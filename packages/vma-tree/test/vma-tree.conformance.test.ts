import { vmaTreeConformance } from "@mmsim/mm-conformance";
import { createVmaTree } from "@mmsim/vma-tree";

vmaTreeConformance("@mmsim/vma-tree", createVmaTree);
