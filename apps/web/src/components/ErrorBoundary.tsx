import { Component, type ErrorInfo, type ReactNode } from 'react';
import i18n from '../i18n';

interface Props {
  children: ReactNode;
  /** Changing it (e.g. the location) clears a caught error. */
  resetKey?: unknown;
}
interface State {
  error: Error | null;
}

/** Catches a page's render errors so the rest of the app keeps working. */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidUpdate(prev: Props) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('page error', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel error-panel" role="alert">
        <h2>{i18n.t('common.crashTitle')}</h2>
        <p className="muted">{this.state.error.message}</p>
        <button className="btn" onClick={() => this.setState({ error: null })}>
          {i18n.t('common.retry')}
        </button>
      </div>
    );
  }
}
