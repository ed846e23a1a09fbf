package ops

// pool16Kernel is AVERAGE_POOL_2D and MAX_POOL_2D on int16 tensors (issue
// 13): TFLite's int16 AveragePool and MaxPool are the int8 ones' formulas
// (in-bounds taps only, an int32 sum rounded half away from zero, the
// maximum from -32768, the clamp) on int16 values. preparePool validates
// both forms alike.
type pool16Kernel poolKernel

// maxPool16Taps bounds an int16 average window: 65535 taps of ±32768 keep
// the int32 sum from overflowing.
const maxPool16Taps = 1<<16 - 1

func (k *pool16Kernel) Eval(env *Env) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	if k.avg {
		poolRows((*poolKernel)(k), in, out, k.impl.AvgPoolInt16, int16(k.actMin), int16(k.actMax))
	} else {
		poolRows((*poolKernel)(k), in, out, k.impl.MaxPoolInt16, int16(k.actMin), int16(k.actMax))
	}
}
