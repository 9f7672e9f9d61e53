import { delimiter, join } from 'node:path';
import { homeDir } from '../options/table.js';

/** The kubeconfig files kubectl would read: --kubeconfig, else $KUBECONFIG's list, else ~/.kube/config. */
export const kubeconfigFiles = (given: string | undefined): string[] => {
  if (given) return [given];
  const listed = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return listed.length > 0 ? listed : [join(homeDir(), '.kube', 'config')];
};

/** kubectl's preferences file: $KUBERC, else ~/.kube/kuberc. */
export const kubercFile = (): string => process.env.KUBERC || join(homeDir(), '.kube', 'kuberc');
