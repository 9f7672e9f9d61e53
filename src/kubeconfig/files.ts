import { delimiter, join } from 'node:path';
import { homeDir } from '../options/home.js';

/** The kubeconfig files kubectl would read: --kubeconfig, else $KUBECONFIG's list, else ~/.kube/config. */
export const kubeconfigFiles = (given: string | undefined, env: NodeJS.ProcessEnv): string[] => {
  if (given) return [given];
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return listed.length > 0 ? listed : [join(homeDir(env), '.kube', 'config')];
};

/** kubectl's preferences file: $KUBERC, else ~/.kube/kuberc. */
export const kubercFile = (env: NodeJS.ProcessEnv): string => env.KUBERC || join(homeDir(env), '.kube', 'kuberc');
