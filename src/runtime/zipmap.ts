// skl2onnx and onnxmltools end classifiers in a ZipMap (a sequence of maps), which onnxruntime-node cannot
// return. We turn each ZipMap that feeds a graph output into an Identity, so its probability tensor becomes
// the output, and keep the class labels ZipMap carried.
import { ML_DOMAIN } from '../onnx/builder.js';
import { attribute, intsOf, stringsOf, type ModelProto } from '../onnx/proto.js';

export interface ZipMapRewrite {
  output: string;
  labels: (string | number)[];
}

export function stripZipMaps(model: ModelProto): ZipMapRewrite[] {
  const graph = model.graph;
  if (!graph?.node) return [];
  const rewrites: ZipMapRewrite[] = [];
  for (const node of graph.node) {
    if (node.opType !== 'ZipMap' || (node.domain ?? '') !== ML_DOMAIN) continue;
    const outName = node.output?.[0];
    const graphOutput = graph.output?.find((o) => o.name === outName);
    if (!outName || !graphOutput) continue;
    const strings = stringsOf(attribute(node, 'classlabels_strings'));
    const labels: (string | number)[] = strings.length > 0 ? strings : intsOf(attribute(node, 'classlabels_int64s'));
    node.opType = 'Identity';
    node.domain = '';
    node.attribute = [];
    graphOutput.type = {
      tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: labels.length }] } },
    };
    rewrites.push({ output: outName, labels });
  }
  return rewrites;
}
